package headers

import (
	"fmt"
	"sort"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Reading the store: what memory holds per height, what it derives (nBits,
// chain work, validation state), and rebuilding headers from records.

func (s *store) contains(h int32) bool { return h >= s.cp.Height && h <= s.tip.height }

func (s *store) hashAt(h int32) chainhash.Hash { return *s.hashes.at(int(h - s.cp.Height)) }
func (s *store) timeAt(h int32) uint32         { return *s.times.at(int(h - s.cp.Height)) }

// heightOf returns the height of a stored header.
func (s *store) heightOf(hash *chainhash.Hash) (int32, bool) {
	pos, ok := s.idx.find(hashKey(s.idx.seed, (*[32]byte)(hash)), func(p uint32) bool {
		return *s.hashes.at(int(p)) == *hash
	})
	return s.cp.Height + int32(pos), ok
}

func (s *store) periodIndex(h int32) int {
	return int(h/s.p.RetargetInterval - s.cp.Height/s.p.RetargetInterval)
}

// bitsAt returns the nBits of the stored header at h, which the records do
// not hold: the period's, or the limit for a testnet header more than 20
// minutes after its parent.
func (s *store) bitsAt(h int32) uint32 {
	if h == s.cp.Height {
		return s.cp.Header.Bits
	}
	p := s.p
	if p.NoRetargeting {
		return p.PowLimitBits
	}
	if p.ReduceMinDifficulty && h%p.RetargetInterval != 0 &&
		int64(s.timeAt(h)) > int64(s.timeAt(h-1))+int64(p.MinDiffReductionTime/time.Second) {
		return p.PowLimitBits
	}
	return s.periods[s.periodIndex(h)].bits
}

// workAt returns the chain work at the stored height h. It uses the rules'
// work cache, so callers hold the chain's mutex.
func (s *store) workAt(h int32) u256 {
	pi := s.periods[s.periodIndex(h)]
	start := max(s.cp.Height, h-h%s.p.RetargetInterval)
	if !s.p.ReduceMinDifficulty || s.p.NoRetargeting {
		return pi.work.add(s.r.work(s.bitsAt(h)).mul64(uint64(h - start)))
	}
	w := pi.work
	for i := start + 1; i <= h; i++ {
		w = w.add(s.r.work(s.bitsAt(i)))
	}
	return w
}

// stateAt rebuilds the validation state at the stored height h.
func (s *store) stateAt(h int32) vstate {
	st := vstate{height: h, hash: s.hashAt(h), bits: s.bitsAt(h), time: s.timeAt(h), work: s.workAt(h)}
	st.partial = int(s.cp.Height) > len(s.cp.PrevTimes)
	if ps := h - h%s.p.RetargetInterval; ps >= s.cp.Height {
		st.periodTime, st.periodBits = s.timeAt(ps), s.periods[s.periodIndex(h)].bits
	} else {
		st.periodTime, st.periodBits = s.cp.PeriodTime, s.cp.PeriodBits
	}
	from := h - (MedianTimeBlocks - 1)
	if from < s.cp.Height {
		prev := s.cp.PrevTimes
		need := int(s.cp.Height - from)
		for _, t := range prev[max(0, len(prev)-need):] {
			st.pushTime(t)
		}
		from = s.cp.Height
	}
	for i := from; i <= h; i++ {
		st.pushTime(s.timeAt(i))
	}
	return st
}

// offset is where the record of the stored height h > base starts (or
// where it would go, for h = tip+1).
func (s *store) offset(h int32) int64 {
	nExt := sort.Search(len(s.ext), func(i int) bool { return s.ext[i] >= h })
	return (int64(h-s.cp.Height-1) + int64(nExt)) * recordSize
}

// header reads the stored header at height h from the file, rebuilds it and
// checks that it hashes to the hash in memory.
func (s *store) header(h int32) (wire.BlockHeader, error) {
	if !s.contains(h) {
		return wire.BlockHeader{}, fmt.Errorf("headers: height %d: %w", h, ErrNotFound)
	}
	if h == s.cp.Height {
		return s.cp.Header, nil
	}
	var buf [2 * recordSize]byte
	n := recordSize
	if i := sort.Search(len(s.ext), func(i int) bool { return s.ext[i] >= h }); i < len(s.ext) && s.ext[i] == h {
		n = 2 * recordSize
	}
	if _, err := s.data.ReadAt(buf[:n], s.offset(h)); err != nil {
		return wire.BlockHeader{}, fmt.Errorf("headers: read height %d: %w", h, err)
	}
	prev := s.hashAt(h - 1)
	var hdr wire.BlockHeader
	var ext []byte
	if n > recordSize {
		ext = buf[recordSize:n]
	}
	if _, err := decodeRecord(buf[:recordSize], ext, &prev, s.timeAt(h-1), &hdr); err != nil {
		return wire.BlockHeader{}, fmt.Errorf("headers: height %d: %v: %w", h, err, ErrCorrupt)
	}
	hdr.Bits = s.bitsAt(h)
	if got := headerHash(&hdr); got != s.hashAt(h) {
		return wire.BlockHeader{}, fmt.Errorf("headers: height %d rebuilds to %s, not %s: %w", h, got, s.hashAt(h), ErrCorrupt)
	}
	return hdr, nil
}

// headers reads the stored headers from..to (inclusive, from > base) with
// one read of the headers file.
func (s *store) headers(from, to int32) ([]wire.BlockHeader, error) {
	if from <= s.cp.Height || to > s.tip.height || from > to {
		return nil, fmt.Errorf("headers: heights %d..%d: %w", from, to, ErrNotFound)
	}
	off, end := s.offset(from), s.offset(to+1)
	buf := make([]byte, end-off)
	if _, err := s.data.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("headers: read heights %d..%d: %w", from, to, err)
	}
	out := make([]wire.BlockHeader, 0, to-from+1)
	for h := from; h <= to; h++ {
		hdr := &wire.BlockHeader{}
		prev := s.hashAt(h - 1)
		var ext []byte
		if len(buf) >= 2*recordSize {
			ext = buf[recordSize : 2*recordSize]
		}
		usedExt, err := decodeRecord(buf[:recordSize], ext, &prev, s.timeAt(h-1), hdr)
		if err != nil {
			return nil, fmt.Errorf("headers: height %d: %v: %w", h, err, ErrCorrupt)
		}
		hdr.Bits = s.bitsAt(h)
		if headerHash(hdr) != s.hashAt(h) {
			return nil, fmt.Errorf("headers: height %d does not rebuild: %w", h, ErrCorrupt)
		}
		out = append(out, *hdr)
		buf = buf[recordSize:]
		if usedExt {
			buf = buf[recordSize:]
		}
	}
	return out, nil
}
