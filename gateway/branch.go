package gateway

import (
	"github.com/altnet/altnet/headers"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// maxSideTips is how many side-branch tips heard by radio a receiver
// remembers to decode later runs against.
const maxSideTips = 4

// branchView is the chain as a header codec sees it along a side branch:
// the branch's headers above the fork point, the best chain's at and
// below it. A one-way receiver decodes against it the runs of a new branch
// that it holds only in part (a reorganisation that crosses a run
// boundary: the first run's new headers have less work than the old
// branch, so they stay on a side branch, and the next run refers to them).
type branchView struct {
	chain *headers.Chain
	side  map[int32]wire.BlockHeader
	fork  int32 // the last height the branch shares with the best chain
	top   int32 // the branch's tip
}

// newBranchView walks back from a side-branch tip to the best chain. It
// fails when tip is unknown or on the best chain, or when the branch is
// longer than the codec's history could ever use.
func newBranchView(c *headers.Chain, tip chainhash.Hash) (branchView, bool) {
	v := branchView{chain: c, side: make(map[int32]wire.BlockHeader)}
	for range maxHistory {
		info, err := c.Lookup(tip)
		if err != nil {
			return v, false
		}
		if info.InBest {
			v.fork = info.Height
			return v, len(v.side) > 0
		}
		v.side[info.Height] = info.Header
		v.top = max(v.top, info.Height)
		tip = info.Header.PrevBlock
	}
	return v, false
}

// Header implements compress.Chain.
func (v branchView) Header(h int32) (wire.BlockHeader, bool) {
	if hdr, ok := v.side[h]; ok {
		return hdr, true
	}
	if h > v.fork {
		return wire.BlockHeader{}, false
	}
	return v.chain.CodecView().Header(h)
}

// ExpectedBits implements compress.Chain with the answers CodecView gives
// on the best chain: none on testnets away from a retarget, otherwise the
// nBits the rules require of a child of the branch's header at h-1.
func (v branchView) ExpectedBits(h int32) (uint32, bool) {
	if h <= v.fork+1 {
		return v.chain.CodecView().ExpectedBits(h)
	}
	prev, ok := v.side[h-1]
	if !ok {
		return 0, false
	}
	p := v.chain.Params()
	if p.ReduceMinDifficulty && !p.NoRetargeting && h%p.RetargetInterval != 0 {
		return 0, false
	}
	bits, err := v.chain.RequiredBits(prev.BlockHash(), prev.Timestamp)
	return bits, err == nil
}

// noteSideTip remembers the newest header heard by radio that went to a
// side branch.
func (g *Gateway) noteSideTip(hash chainhash.Hash) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sideTips = append(g.sideTips, hash)
	if len(g.sideTips) > maxSideTips {
		g.sideTips = g.sideTips[1:]
	}
}

// sideViews returns the views of the remembered side branches, newest
// first, forgetting the tips that joined the best chain or left the store.
func (g *Gateway) sideViews() []branchView {
	g.mu.Lock()
	tips := append([]chainhash.Hash(nil), g.sideTips...)
	g.mu.Unlock()
	var views []branchView
	var keep []chainhash.Hash
	for i := len(tips) - 1; i >= 0; i-- {
		if v, ok := newBranchView(g.chain, tips[i]); ok {
			views = append(views, v)
			keep = append([]chainhash.Hash{tips[i]}, keep...)
		}
	}
	g.mu.Lock()
	g.sideTips = keep
	g.mu.Unlock()
	return views
}
