package gateway

import (
	"github.com/altnet/altnet/headers"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// maxSideTips is how many side-branch headers heard by radio a receiver
// remembers, to decode later runs against their branches.
const maxSideTips = 4

// branchView is the chain as the header codec sees it along a side branch:
// the branch's headers above its fork with the best chain, and the best
// chain's below. A receiver whose best chain is not the uplink's (its own
// node is on a shorter branch, or a reorg is half heard) decodes the
// uplink's runs against the branch the radio has been building, and so
// keeps extending it until it has the most work.
type branchView struct {
	chain *headers.Chain
	best  headers.CodecView
	fork  int32                      // highest height shared with the best chain
	tip   int32                      // height of the branch's tip
	side  map[int32]wire.BlockHeader // the branch above fork
}

// newBranchView walks back from tip to the best chain. It returns false
// when tip is unknown, on the best chain, or not connected to it within
// the chain's branch bound.
func newBranchView(c *headers.Chain, tip chainhash.Hash) (branchView, bool) {
	v := branchView{chain: c, best: c.CodecView(), side: make(map[int32]wire.BlockHeader)}
	for hash, first := tip, true; len(v.side) <= headers.MaxBranchHeaders; first = false {
		info, err := c.Lookup(hash)
		if err != nil {
			return branchView{}, false
		}
		if info.InBest {
			if first {
				return branchView{}, false
			}
			v.fork = info.Height
			return v, true
		}
		if first {
			v.tip = info.Height
		}
		v.side[info.Height] = info.Header
		hash = info.Header.PrevBlock
	}
	return branchView{}, false
}

// Header returns the branch's header at height.
func (v branchView) Header(height int32) (wire.BlockHeader, bool) {
	if height > v.fork {
		h, ok := v.side[height]
		return h, ok
	}
	return v.best.Header(height)
}

// ExpectedBits returns the nBits the rules require at height on the branch,
// as the uplink's codec computes them on its best chain (this branch).
func (v branchView) ExpectedBits(height int32) (uint32, bool) {
	if height-1 <= v.fork {
		return v.best.ExpectedBits(height)
	}
	p := v.chain.Params()
	if p.ReduceMinDifficulty && !p.NoRetargeting && height%p.RetargetInterval != 0 {
		return 0, false // the testnet rule depends on the header's own time
	}
	prev, ok := v.side[height-1]
	if !ok {
		return 0, false
	}
	bits, err := v.chain.RequiredBits(prev.BlockHash(), prev.Timestamp)
	return bits, err == nil
}
