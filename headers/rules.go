package headers

import (
	"math/big"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// vstate is everything needed to validate the child of one header, in O(1)
// space: its height, hash, nBits and time, the times of up to 11 headers
// ending with it (for the median time past), the first header of its
// retarget period (time and nBits) and its chain work. Validating a run of
// headers rolls one vstate forward, so a run of any length costs the same
// memory.
type vstate struct {
	height int32
	hash   chainhash.Hash
	bits   uint32
	time   uint32
	// times is a ring of the last ntimes header times; pos is where the
	// next one goes.
	times  [MedianTimeBlocks]uint32
	sorted [MedianTimeBlocks]uint32 // times[:ntimes] in order
	ntimes int
	pos    int
	// partial is set when headers before the first recorded time exist
	// but their times are unknown (a store that starts at a checkpoint).
	partial bool
	// periodTime and periodBits belong to the header at
	// height - height%RetargetInterval.
	periodTime uint32
	periodBits uint32
	work       u256
}

// pushTime records t as the newest time of the ring, keeping sorted (the
// same times in order) up to date.
func (s *vstate) pushTime(t uint32) {
	n := s.ntimes
	if n == MedianTimeBlocks {
		// Drop the oldest time from the sorted copy.
		old := s.times[s.pos]
		i := 0
		for s.sorted[i] != old {
			i++
		}
		copy(s.sorted[i:n-1], s.sorted[i+1:n])
		n--
	}
	i := n
	for i > 0 && s.sorted[i-1] > t {
		s.sorted[i] = s.sorted[i-1]
		i--
	}
	s.sorted[i] = t
	s.times[s.pos] = t
	s.pos = (s.pos + 1) % MedianTimeBlocks
	if s.ntimes < MedianTimeBlocks {
		s.ntimes++
	}
}

// medianTime is the median time past of the header s describes: the median
// of the (up to) 11 times ending with its own (Core's GetMedianTimePast).
// When s starts at a checkpoint whose earlier times are unknown (partial),
// the missing times are taken as minus infinity, which gives a lower bound
// of the true median: the rule is then weaker for ten headers, never
// stricter.
func (s *vstate) medianTime() uint32 {
	n := s.ntimes
	if !s.partial || n == MedianTimeBlocks {
		return s.sorted[n/2]
	}
	if k := n - (MedianTimeBlocks - MedianTimeBlocks/2); k >= 0 {
		return s.sorted[k]
	}
	return 0
}

// rules checks headers against one network's rules. It caches the work of
// the last nBits values it saw, so one rules value must not be shared
// between goroutines.
type rules struct {
	p    *Params
	pins map[int32]chainhash.Hash
	// lastPin is the highest pinned height (-1 without pins).
	lastPin int32
	cache   [2]struct {
		ok   bool
		bits uint32
		work u256
	}
	next int
	// target caches the last nBits that checkPoW decoded.
	tBits   uint32
	tTarget u256
	tOK     bool
}

func newRules(p *Params, pins []Pin) *rules {
	r := &rules{p: p, pins: make(map[int32]chainhash.Hash, len(pins)), lastPin: -1}
	for _, pin := range pins {
		r.pins[pin.Height] = pin.Hash
		r.lastPin = max(r.lastPin, pin.Height)
	}
	return r
}

// work returns the chain work one header with valid nBits adds.
func (r *rules) work(bits uint32) u256 {
	for i := range r.cache {
		if r.cache[i].ok && r.cache[i].bits == bits {
			return r.cache[i].work
		}
	}
	t, _, _ := compactTarget(bits)
	w := workForTarget(t)
	r.cache[r.next].ok, r.cache[r.next].bits, r.cache[r.next].work = true, bits, w
	r.next = (r.next + 1) % len(r.cache)
	return w
}

// nextBits is the nBits the child of s must have when its time is t.
func (r *rules) nextBits(s *vstate, t uint32) uint32 {
	p := r.p
	if p.NoRetargeting {
		return p.PowLimitBits
	}
	if (s.height+1)%p.RetargetInterval != 0 {
		if !p.ReduceMinDifficulty {
			return s.bits
		}
		if int64(t) > int64(s.time)+int64(p.MinDiffReductionTime.Seconds()) {
			return p.PowLimitBits
		}
		// Walking back over min-difficulty headers always ends at the
		// period's first header or at one with the period's nBits.
		return s.periodBits
	}
	old := s.bits
	if p.EnforceBIP94 {
		old = s.periodBits
	}
	return r.p.retarget(old, int64(s.time)-int64(s.periodTime))
}

// retarget computes the nBits of a period's first header from the nBits
// the calculation starts from and the time the previous period took,
// clamped to a factor of RetargetFactor either way.
func (p *Params) retarget(oldBits uint32, timespan int64) uint32 {
	target := int64(p.TargetTimespan.Seconds())
	timespan = max(timespan, target/p.RetargetFactor)
	timespan = min(timespan, target*p.RetargetFactor)
	old, _, _ := compactTarget(oldBits)
	n := old.big()
	n.Mul(n, big.NewInt(timespan))
	n.Quo(n, big.NewInt(target))
	t, ok := u256FromBig(n)
	if !ok || t.cmp(p.powLimit) > 0 {
		t = p.powLimit
	}
	return targetCompact(t)
}

// checkPoW checks a header on its own: nBits encodes a positive target
// within the network's limit and the hash is at or below it.
func (r *rules) checkPoW(h *wire.BlockHeader, hash *chainhash.Hash, height int32) error {
	if !r.tOK || r.tBits != h.Bits {
		t, neg, over := compactTarget(h.Bits)
		if neg || over || t.isZero() || t.cmp(r.p.powLimit) > 0 {
			return ruleErr(ErrBadBits, height, hash, "nBits %#08x is not a target within the limit %#08x", h.Bits, r.p.PowLimitBits)
		}
		r.tOK, r.tBits, r.tTarget = true, h.Bits, t
	}
	if hashToU256(hash).cmp(r.tTarget) > 0 {
		return ruleErr(ErrHighHash, height, hash, "hash above the target of nBits %#08x", h.Bits)
	}
	return nil
}

// check validates h, whose hash is hash, as the child of s. now is the
// caller's clock in Unix seconds; 0 skips the future-time rule (used when
// re-checking headers that were accepted before).
func (r *rules) check(s *vstate, h *wire.BlockHeader, hash *chainhash.Hash, now int64) error {
	height := s.height + 1
	if h.PrevBlock != s.hash {
		return ruleErr(ErrUnknownParent, -1, hash, "parent %s is not %s", h.PrevBlock, s.hash)
	}
	t := uint32(h.Timestamp.Unix())
	if want := r.nextBits(s, t); h.Bits != want {
		return ruleErr(ErrBadDifficulty, height, hash, "nBits %#08x, the rules require %#08x", h.Bits, want)
	}
	if mtp := s.medianTime(); t <= mtp {
		return ruleErr(ErrTimeTooOld, height, hash, "time %d is not after the median time past %d", t, mtp)
	}
	if now != 0 && int64(t) > now+MaxFutureDrift {
		return ruleErr(ErrTimeTooNew, height, hash, "time %d is more than %d s ahead of the clock %d", t, MaxFutureDrift, now)
	}
	if r.p.EnforceBIP94 && height%r.p.RetargetInterval == 0 && int64(t) < int64(s.time)-MaxTimewarp {
		return ruleErr(ErrTimewarp, height, hash, "time %d is more than %d s before its parent's %d", t, MaxTimewarp, s.time)
	}
	if v := r.p.minVersion(height); h.Version < v {
		return ruleErr(ErrBadVersion, height, hash, "version %#x is below %d", uint32(h.Version), v)
	}
	if err := r.checkPoW(h, hash, height); err != nil {
		return err
	}
	if pin, ok := r.pins[height]; ok && pin != *hash {
		return ruleErr(ErrCheckpoint, height, hash, "the checkpoint at this height is %s", pin)
	}
	return nil
}

// advance moves s to its child h (already checked).
func (r *rules) advance(s *vstate, h *wire.BlockHeader, hash *chainhash.Hash) {
	s.height++
	s.hash = *hash
	s.bits = h.Bits
	s.time = uint32(h.Timestamp.Unix())
	s.pushTime(s.time)
	if s.height%r.p.RetargetInterval == 0 {
		s.periodTime, s.periodBits = s.time, s.bits
	}
	s.work = s.work.add(r.work(h.Bits))
}

// connect checks h as the child of s and, when it passes, advances s.
func (r *rules) connect(s *vstate, h *wire.BlockHeader, hash *chainhash.Hash, now int64) error {
	if err := r.check(s, h, hash, now); err != nil {
		return err
	}
	r.advance(s, h, hash)
	return nil
}
