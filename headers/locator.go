package headers

import (
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Locator returns a block locator of the best chain for a getheaders
// request: the tip and its ten parents, then ever sparser ancestors
// (doubling steps), ending with the store's checkpoint. At most about 35
// hashes, as Bitcoin Core builds them.
func (c *Chain) Locator() []chainhash.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.locatorFrom(nil)
}

// LocatorFrom returns the block locator that starts at a known header,
// stored or on a side branch.
func (c *Chain) LocatorFrom(hash chainhash.Hash) ([]chainhash.Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.s.heightOf(&hash); ok {
		return c.mainLocator(h, nil), nil
	}
	n, ok := c.side[hash]
	if !ok {
		return nil, fmt.Errorf("headers: locator from %s: %w", hash, ErrNotFound)
	}
	return c.locatorFrom(n), nil
}

// locatorFrom lists up to ten headers of a side branch from n down (nil:
// start at the tip), then continues in the best chain from the branch's
// fork point.
func (c *Chain) locatorFrom(n *sideNode) []chainhash.Hash {
	if n == nil {
		return c.mainLocator(c.s.tip.height, nil)
	}
	fork := n.forkHeight()
	var loc []chainhash.Hash
	for ; n != nil && len(loc) < 10; n = n.parent {
		loc = append(loc, n.hash)
	}
	return c.mainLocator(fork, loc)
}

// mainLocator appends the locator of the best chain from height h down.
func (c *Chain) mainLocator(h int32, loc []chainhash.Hash) []chainhash.Hash {
	step := int32(1)
	base := c.s.cp.Height
	for h > base {
		loc = append(loc, c.s.hashAt(h))
		if len(loc) >= 10 {
			step *= 2
		}
		h -= step
	}
	return append(loc, c.s.hashAt(base))
}

// HeadersAfter answers a getheaders request: the best chain's headers
// after the first locator hash it holds (after the checkpoint when it holds
// none), up to and including stop (the zero hash: no stop) and at most max
// (capped at wire.MaxBlockHeadersPerMsg).
func (c *Chain) HeadersAfter(locator []chainhash.Hash, stop chainhash.Hash, max int) ([]wire.BlockHeader, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	from := c.s.cp.Height
	for i := range locator {
		if h, ok := c.s.heightOf(&locator[i]); ok {
			from = h
			break
		}
	}
	max = min(max, wire.MaxBlockHeadersPerMsg)
	to := min(c.s.tip.height, from+int32(max))
	if h, ok := c.s.heightOf(&stop); ok && h > from && h < to {
		to = h
	}
	if to <= from {
		return nil, nil
	}
	return c.s.headers(from+1, to)
}
