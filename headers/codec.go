package headers

import (
	"github.com/btcsuite/btcd/wire"
)

// CodecView is the best chain as a header codec consults it: package
// compress's Chain interface (Header and ExpectedBits with ok results), so
// that a receiver decodes compressed runs against its own store. Get one
// with Chain.CodecView.
type CodecView struct{ c *Chain }

// CodecView returns the chain's view for a header codec.
func (c *Chain) CodecView() CodecView { return CodecView{c: c} }

// Header returns the best chain's header at height, and false when the
// store holds none there (below the checkpoint, above the tip, or an
// unreadable record).
func (v CodecView) Header(height int32) (wire.BlockHeader, bool) {
	h, err := v.c.Header(height)
	return h, err == nil
}

// ExpectedBits returns the nBits the consensus rules require of a header at
// height on the best chain, computed from the stored headers before it. It
// returns false when the parent is not stored, and on testnets away from a
// retarget, where the 20-minute rule makes the answer depend on the
// header's own time (Chain.RequiredBits answers that case).
func (v CodecView) ExpectedBits(height int32) (uint32, bool) {
	c := v.c
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.s.p
	if !c.s.contains(height - 1) {
		return 0, false
	}
	if p.ReduceMinDifficulty && !p.NoRetargeting && height%p.RetargetInterval != 0 {
		return 0, false
	}
	st := c.s.stateAt(height - 1)
	return c.s.r.nextBits(&st, st.time), true
}
