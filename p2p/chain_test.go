package p2p

import (
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// memChain is a small header chain for tests: proof of work and linkage
// checked, best chain by total work. It is both a HeaderSink (for the
// client) and a HeaderSource (for the server). It does not check
// retargeting or timestamps: on regtest difficulty never changes.
type memChain struct {
	params *chaincfg.Params

	mu      sync.Mutex
	nodes   map[chainhash.Hash]*memNode
	tip     *memNode
	reorgs  int
	changed chan struct{} // signalled (not closed) on every new tip
}

type memNode struct {
	hash   chainhash.Hash
	header wire.BlockHeader
	height int32
	work   *big.Int
	parent *memNode
}

var errNoConnect = errors.New("memchain: header does not connect")

func newMemChain(params *chaincfg.Params) *memChain {
	g := &memNode{hash: *params.GenesisHash, header: params.GenesisBlock.Header, work: blockchain.CalcWork(params.GenesisBlock.Header.Bits)}
	return &memChain{
		params:  params,
		nodes:   map[chainhash.Hash]*memNode{g.hash: g},
		tip:     g,
		changed: make(chan struct{}, 1),
	}
}

// AddHeaders implements HeaderSink.
func (c *memChain) AddHeaders(hs []wire.BlockHeader) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range hs {
		if err := c.add(hs[i]); err != nil {
			return err
		}
	}
	return nil
}

func (c *memChain) add(h wire.BlockHeader) error {
	hash := h.BlockHash()
	if c.nodes[hash] != nil {
		return nil
	}
	parent := c.nodes[h.PrevBlock]
	if parent == nil {
		return fmt.Errorf("%w: %v (parent %v)", errNoConnect, hash, h.PrevBlock)
	}
	target := blockchain.CompactToBig(h.Bits)
	if target.Sign() <= 0 || target.Cmp(c.params.PowLimit) > 0 || blockchain.HashToBig(&hash).Cmp(target) > 0 {
		return fmt.Errorf("memchain: %v: bad proof of work", hash)
	}
	n := &memNode{hash: hash, header: h, height: parent.height + 1, parent: parent,
		work: new(big.Int).Add(parent.work, blockchain.CalcWork(h.Bits))}
	c.nodes[hash] = n
	if n.work.Cmp(c.tip.work) > 0 {
		if c.tip != parent {
			c.reorgs++
		}
		c.tip = n
		select {
		case c.changed <- struct{}{}:
		default:
		}
	}
	return nil
}

// BlockLocator implements HeaderSink: the tip, the nine blocks below it,
// then steps doubling back to genesis.
func (c *memChain) BlockLocator() []chainhash.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	best := c.best()
	var loc []chainhash.Hash
	for h, step := c.tip.height, int32(1); ; h = max(h-step, 0) {
		loc = append(loc, best[h].hash)
		if h == 0 {
			return loc
		}
		if len(loc) >= 10 {
			step *= 2
		}
	}
}

// Tip implements HeaderSource.
func (c *memChain) Tip() (wire.BlockHeader, int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tip.header, c.tip.height
}

// best returns the best chain from genesis.
func (c *memChain) best() []*memNode {
	out := make([]*memNode, c.tip.height+1)
	for n := c.tip; n != nil; n = n.parent {
		out[n.height] = n
	}
	return out
}

// HeadersAfter implements HeaderSource.
func (c *memChain) HeadersAfter(locator []chainhash.Hash, stop chainhash.Hash, max int) []wire.BlockHeader {
	c.mu.Lock()
	defer c.mu.Unlock()
	best := c.best()
	start := int32(0)
	for _, h := range locator {
		if n := c.nodes[h]; n != nil && n.height < int32(len(best)) && best[n.height] == n {
			start = n.height
			break
		}
	}
	var out []wire.BlockHeader
	for _, n := range best[start+1:] {
		if len(out) == max {
			break
		}
		out = append(out, n.header)
		if n.hash == stop {
			break
		}
	}
	return out
}

func (c *memChain) tipHash() (chainhash.Hash, int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tip.hash, c.tip.height
}

func (c *memChain) reorgCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reorgs
}

// mine appends n headers with valid proof of work on top of the tip and
// returns them. Merkle roots are made up: these blocks do not exist.
func (c *memChain) mine(n int, tag uint32) []wire.BlockHeader {
	tip, _ := c.tipHash()
	return c.mineFrom(tip, n, tag)
}

// mineFrom is mine on top of the known header parent; tag makes the headers
// differ from those of another branch.
func (c *memChain) mineFrom(parent chainhash.Hash, n int, tag uint32) []wire.BlockHeader {
	var out []wire.BlockHeader
	for range n {
		c.mu.Lock()
		tip := c.nodes[parent].header
		c.mu.Unlock()
		prev := tip.BlockHash()
		h := wire.BlockHeader{
			Version:   0x20000000,
			PrevBlock: prev,
			Timestamp: tip.Timestamp.Add(time.Second),
			Bits:      c.params.PowLimitBits,
		}
		h.MerkleRoot[0], h.MerkleRoot[1] = byte(tag), byte(tag>>8)
		solve(&h)
		if err := c.AddHeaders([]wire.BlockHeader{h}); err != nil {
			panic(err)
		}
		out = append(out, h)
		parent = h.BlockHash()
	}
	return out
}

// solve finds a nonce that meets the header's target (about two tries on
// regtest).
func solve(h *wire.BlockHeader) {
	target := blockchain.CompactToBig(h.Bits)
	for h.Nonce = 0; ; h.Nonce++ {
		hash := h.BlockHash()
		if blockchain.HashToBig(&hash).Cmp(target) <= 0 {
			return
		}
	}
}
