package compress

import (
	"math/big"

	"github.com/btcsuite/btcd/wire"
)

// Chain is what the header-run codec consults about the header chain the
// receiver already holds. The headers package implements it over its store;
// HeaderSlice implements it over headers in memory.
//
// The encoder and the decoder of one run must get identical answers for the
// calls they make, which are exactly:
//
//   - Header(h) for every h in [start-history, start-1], where start is the
//     height of the run's first header and history (1..MaxHistory) is the
//     encoder's choice, written into the run;
//   - ExpectedBits(start), once.
//
// Nothing else is asked of the chain; in particular nBits at a retarget
// inside the run is predicted from the run and its history alone.
type Chain interface {
	// Header returns the header at height on the chain, and false when the
	// chain holds no header there.
	Header(height int32) (wire.BlockHeader, bool)
	// ExpectedBits returns the nBits that the chain's consensus rules
	// require of a header at height, computed from the headers before it,
	// and false when the rules cannot tell from those alone (for example
	// testnet's 20-minute minimum-difficulty exception, which depends on the
	// header's own time). A wrong answer costs 4 bytes, not correctness, as
	// long as encoder and decoder give the same one.
	ExpectedBits(height int32) (uint32, bool)
}

// HeaderSlice is a Chain over consecutive headers in memory: Headers[i] is
// at height Start+i. Its ExpectedBits applies Bitcoin mainnet's retarget
// rule to the headers it holds, which is what a mainnet receiver computes;
// it is meant for tests, tools and measurements, not for consensus.
type HeaderSlice struct {
	Start   int32
	Headers []wire.BlockHeader
}

var _ Chain = (*HeaderSlice)(nil)

// Header implements Chain.
func (s *HeaderSlice) Header(height int32) (wire.BlockHeader, bool) {
	i := int64(height) - int64(s.Start)
	if i < 0 || i >= int64(len(s.Headers)) {
		return wire.BlockHeader{}, false
	}
	return s.Headers[i], true
}

// ExpectedBits implements Chain with mainnet's rule (see PredictBits).
func (s *HeaderSlice) ExpectedBits(height int32) (uint32, bool) {
	prev, ok := s.Header(height - 1)
	if !ok {
		return 0, false
	}
	if height%RetargetInterval != 0 {
		return prev.Bits, true
	}
	first, ok := s.Header(height - RetargetInterval)
	if !ok {
		return 0, false
	}
	return PredictBits(prev.Bits, uint32(first.Timestamp.Unix()), uint32(prev.Timestamp.Unix())), true
}

// Mainnet retarget parameters (Bitcoin Core's chainparams.cpp).
const (
	// RetargetInterval is the number of blocks between difficulty changes.
	RetargetInterval = 2016
	targetTimespan   = 14 * 24 * 60 * 60
)

// mainnetPowLimit is 2^224-1, nBits 0x1d00ffff.
var mainnetPowLimit = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 224), big.NewInt(1))

// PredictBits returns the nBits that Bitcoin mainnet's retarget rule gives a
// header at a multiple of RetargetInterval, from the nBits and time of the
// header before it (lastTime) and the time of the first header of the
// period ending there (firstTime, RetargetInterval headers back): the
// timespan clamped to a quarter and four times two weeks, the target scaled
// by it and capped at the proof-of-work limit.
func PredictBits(lastBits, firstTime, lastTime uint32) uint32 {
	span := int64(lastTime) - int64(firstTime)
	span = max(span, targetTimespan/4)
	span = min(span, targetTimespan*4)
	t := compactToBig(lastBits)
	t.Mul(t, big.NewInt(span))
	t.Quo(t, big.NewInt(targetTimespan))
	if t.Cmp(mainnetPowLimit) > 0 {
		t.Set(mainnetPowLimit)
	}
	return bigToCompact(t)
}

// compactToBig decodes nBits as Bitcoin Core's arith_uint256::SetCompact.
func compactToBig(c uint32) *big.Int {
	mant := int64(c & 0x007fffff)
	exp := uint(c >> 24)
	var n *big.Int
	if exp <= 3 {
		n = big.NewInt(mant >> (8 * (3 - exp)))
	} else {
		n = new(big.Int).Lsh(big.NewInt(mant), 8*(exp-3))
	}
	if c&0x00800000 != 0 {
		n.Neg(n)
	}
	return n
}

// bigToCompact encodes n as Bitcoin Core's arith_uint256::GetCompact.
func bigToCompact(n *big.Int) uint32 {
	if n.Sign() == 0 {
		return 0
	}
	abs := new(big.Int).Abs(n)
	exp := uint32(len(abs.Bytes()))
	var mant uint32
	if exp <= 3 {
		mant = uint32(abs.Uint64() << (8 * (3 - exp)))
	} else {
		mant = uint32(new(big.Int).Rsh(abs, uint(8*(exp-3))).Uint64())
	}
	if mant&0x00800000 != 0 {
		mant >>= 8
		exp++
	}
	c := exp<<24 | mant
	if n.Sign() < 0 {
		c |= 0x00800000
	}
	return c
}
