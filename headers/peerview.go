package headers

import (
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// ErrAskAgain is returned by PeerView.AddHeaders when the Syncer wants
// another getheaders although the reply was shorter than a full one (a
// long branch switching from presync to its second download): the P2P
// client should ask again from BlockLocator. It has the method
// AskAgain() bool, which is how package p2p recognises it without
// importing this package.
var ErrAskAgain error = askAgain{}

type askAgain struct{}

func (askAgain) Error() string { return "headers: ask again from the locator" }

// AskAgain reports true: the P2P client sends another getheaders.
func (askAgain) AskAgain() bool { return true }

// PeerView adapts a Chain to the P2P bridge. It is package p2p's HeaderSink
// (BlockLocator and AddHeaders, through one Syncer, so that long branches
// go through presync) and HeaderSource (Tip and HeadersAfter, to serve a
// local node). Safe for concurrent use.
type PeerView struct {
	c  *Chain
	mu sync.Mutex
	sy *Syncer
}

// PeerView returns a view of the chain for one P2P connection.
func (c *Chain) PeerView() *PeerView { return &PeerView{c: c, sy: c.NewSyncer()} }

// BlockLocator returns the locator for the next getheaders.
func (v *PeerView) BlockLocator() []chainhash.Hash {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.sy.Locator()
}

// AddHeaders takes a getheaders reply or an announcement. It returns a
// *RuleError for an invalid header (the ones before it are kept), an error
// for headers that do not connect, and ErrAskAgain as described there.
func (v *PeerView) AddHeaders(hs []wire.BlockHeader) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	p, err := v.sy.HandleHeaders(hs)
	if err == nil && p.More && len(hs) < wire.MaxBlockHeadersPerMsg {
		return ErrAskAgain
	}
	return err
}

// Tip returns the best header and its height.
func (v *PeerView) Tip() (wire.BlockHeader, int32) {
	t := v.c.Tip()
	return t.Header, t.Height
}

// HeadersAfter answers getheaders (see Chain.HeadersAfter); a store that
// cannot be read answers with no headers.
func (v *PeerView) HeadersAfter(locator []chainhash.Hash, stop chainhash.Hash, max int) []wire.BlockHeader {
	hs, err := v.c.HeadersAfter(locator, stop, max)
	if err != nil {
		v.c.log.Warn("headers: cannot answer getheaders", "err", err)
		return nil
	}
	return hs
}
