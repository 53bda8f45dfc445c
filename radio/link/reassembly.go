package link

import (
	"errors"
	"time"
)

// Limits bound a Receiver's memory. Whatever frames arrive, the receiver
// holds at most MaxPartial messages in reassembly, whose accounted bytes
// (shard data plus a fixed per-entry and per-shard overhead) stay within
// MaxBytes, each for at most MaxAge after its first fragment, and
// remembers at most MaxDone delivered message ids, each for DoneFor. An
// entry that has not received a fragment for MaxIdle is stale: it is the
// first to go when room is needed.
type Limits struct {
	MaxPartial int
	MaxBytes   int
	MaxAge     time.Duration
	MaxIdle    time.Duration
	MaxDone    int
	// DoneFor is how long a delivered message's later copies are dropped
	// as duplicates. It must outlast one transmission of a message (all
	// its fragments and the copies sent alongside), and stay below the
	// interval at which a sender repeats a message on purpose: a
	// transaction sent again because its acknowledgement was lost must
	// reach the gateway again, so that the gateway acknowledges again.
	DoneFor time.Duration
}

// DefaultLimits suit a gateway or receiver on a Raspberry Pi: 64 partial
// messages in 256 KiB, 30 minutes of age and 5 minutes of idleness (the
// fragments of one message follow each other within a minute even when a
// 1 % duty cycle paces them), 4096 delivered ids (256 KiB) remembered for
// 5 minutes.
var DefaultLimits = Limits{MaxPartial: 64, MaxBytes: 256 << 10, MaxAge: 30 * time.Minute, MaxIdle: 5 * time.Minute, MaxDone: 4096, DoneFor: 5 * time.Minute}

// Reassembly accounting (see Limits).
const (
	// spareShards is how many fragments beyond k an entry keeps, so that
	// one or two bad fragments (corrupted, or forged under the message's
	// id) can be left out of a rebuild.
	spareShards = 2
	// entryOverhead and shardOverhead are the bytes accounted per entry
	// and per stored shard besides the shard data: the structs, slice
	// headers and map slot, rounded up.
	entryOverhead = 256
	shardOverhead = 48
	// maxDecodeTries bounds the Reed-Solomon decodes one fragment can
	// cause when bad fragments must be left out.
	maxDecodeTries = 16
	// minLimitBytes is the least MaxBytes that still fits the largest
	// entry: k+spare shards of a MaxMessage message.
	minLimitBytes = MaxMessage + (spareShards+1)*MaxFrame + entryOverhead + (MaxFragments+spareShards)*shardOverhead
)

// ErrNoRoom reports a fragment dropped because reassembly is full of
// messages that have made more progress.
var ErrNoRoom = errors.New("link: reassembly full")

// ErrCorrupt reports a message whose fragments rebuilt to bytes that do
// not match its id: corrupted or forged fragments.
var ErrCorrupt = errors.New("link: reassembled message fails its check")

// key names a message in reassembly: its header byte, type and id, and the
// geometry its fragments claim, so a forged fragment with another geometry
// cannot poison the real message's entry.
type key struct {
	hdr, typ       byte
	id             [IDSize]byte
	k, pad, shardN int
}

type partial struct {
	key     key
	created time.Time
	last    time.Time // when the last new fragment arrived
	seq     uint64    // arrival order of the first fragment, for ties
	idx     []uint8   // fragment indexes held, in arrival order
	shards  [][]byte  // their data
	bytes   int       // accounted bytes
	tries   int       // failed rebuild attempts since the last new fragment
}

func (p *partial) progress() float64 { return float64(len(p.idx)) / float64(p.key.k) }

// proven reports whether the entry holds two or more fragments, which a
// flood of random fragments never produces.
func (p *partial) proven() bool { return len(p.idx) >= 2 }

func (p *partial) has(i int) bool {
	for _, x := range p.idx {
		if int(x) == i {
			return true
		}
	}
	return false
}

// worse orders eviction: stale entries first (least recently fed first),
// then single-fragment entries before proven ones, less progress first,
// older first.
func (r *reassembly) worse(a, b *partial) bool {
	sa, sb := r.stale(a), r.stale(b)
	switch {
	case sa != sb:
		return sa
	case sa:
		return a.last.Before(b.last)
	}
	if a.proven() != b.proven() {
		return !a.proven()
	}
	if pa, pb := a.progress(), b.progress(); pa != pb {
		return pa < pb
	}
	return a.seq < b.seq
}

// reassembly holds partial messages within Limits. Proven entries (two
// or more fragments) may use at most provenShare of the slots and bytes,
// so a new message always finds room among the single-fragment entries,
// and single-fragment entries never push out a proven one.
type reassembly struct {
	lim         Limits
	entries     map[key]*partial
	bytes       int
	proven      int // entries with two or more fragments
	provenBytes int
	seq         uint64
	now         time.Time // of the fragment being added
}

// stale reports whether p has had no new fragment for MaxIdle.
func (r *reassembly) stale(p *partial) bool { return r.now.Sub(p.last) > r.lim.MaxIdle }

// provenShare is the fraction of MaxPartial and MaxBytes that proven
// entries may hold (3/4).
func provenCap(n int) int { return n - n/4 }

func newReassembly(lim Limits) *reassembly {
	return &reassembly{lim: lim, entries: make(map[key]*partial)}
}

// expire drops entries older than MaxAge and returns how many.
func (r *reassembly) expire(now time.Time) int {
	n := 0
	for k, p := range r.entries {
		if now.Sub(p.created) > r.lim.MaxAge {
			r.remove(k)
			n++
		}
	}
	return n
}

func (r *reassembly) remove(k key) {
	p, ok := r.entries[k]
	if !ok {
		return
	}
	r.bytes -= p.bytes
	if p.proven() {
		r.proven--
		r.provenBytes -= p.bytes
	}
	delete(r.entries, k)
}

// add stores fragment f and returns its entry, or ErrNoRoom. evicted
// counts entries pushed out to make room. A fragment the entry already
// has, or does not need, changes nothing.
func (r *reassembly) add(f *Frame, hdr byte, now time.Time) (p *partial, evicted int, err error) {
	k := key{hdr: hdr, typ: byte(f.Type), id: f.ID, k: f.K, pad: f.Pad, shardN: len(f.Shard)}
	r.now = now
	p = r.entries[k]
	cost := len(f.Shard) + shardOverhead
	switch {
	case p == nil:
		cost += entryOverhead
		if evicted, err = r.makeRoomNew(cost); err != nil {
			return nil, evicted, err
		}
		r.seq++
		p = &partial{key: k, created: now, seq: r.seq}
		r.entries[k] = p
	case len(p.idx) >= f.K+spareShards || p.has(f.Index):
		return p, 0, nil
	default:
		if evicted, err = r.makeRoomGrow(p, cost); err != nil {
			return nil, evicted, err
		}
	}
	wasProven := p.proven()
	p.idx = append(p.idx, uint8(f.Index))
	p.shards = append(p.shards, append([]byte(nil), f.Shard...))
	p.bytes += cost
	r.bytes += cost
	switch {
	case p.proven() && !wasProven:
		r.proven++
		r.provenBytes += p.bytes
	case wasProven:
		r.provenBytes += cost
	}
	p.tries = 0
	p.last = now
	return p, evicted, nil
}

// makeRoomNew makes room for a new single-fragment entry by evicting
// stale or single-fragment entries, in the order of worse.
func (r *reassembly) makeRoomNew(cost int) (evicted int, err error) {
	for len(r.entries)+1 > r.lim.MaxPartial || r.bytes+cost > r.lim.MaxBytes {
		v := r.worst(func(p *partial) bool { return !p.proven() || r.stale(p) })
		if v == nil {
			return evicted, ErrNoRoom
		}
		r.remove(v.key)
		evicted++
	}
	return evicted, nil
}

// makeRoomGrow makes room for one more fragment of p by evicting entries
// worse than p will be: first within the proven share, then overall.
func (r *reassembly) makeRoomGrow(p *partial, cost int) (evicted int, err error) {
	grown := &partial{key: p.key, seq: p.seq, last: r.now, idx: make([]uint8, len(p.idx)+1)}
	worseThan := func(v *partial) bool { return v != p && r.worse(v, grown) }
	provenCost := cost
	if !p.proven() {
		provenCost += p.bytes // p joins the proven share whole
	}
	for r.provenBytes+provenCost > provenCap(r.lim.MaxBytes) ||
		(!p.proven() && r.proven+1 > provenCap(r.lim.MaxPartial)) {
		v := r.worst(func(v *partial) bool { return v.proven() && worseThan(v) })
		if v == nil {
			return evicted, ErrNoRoom
		}
		r.remove(v.key)
		evicted++
	}
	for r.bytes+cost > r.lim.MaxBytes {
		v := r.worst(worseThan)
		if v == nil {
			return evicted, ErrNoRoom
		}
		r.remove(v.key)
		evicted++
	}
	return evicted, nil
}

// worst returns the worst entry for which ok is true, or nil.
func (r *reassembly) worst(ok func(*partial) bool) *partial {
	var v *partial
	for _, p := range r.entries {
		if ok(p) && (v == nil || r.worse(p, v)) {
			v = p
		}
	}
	return v
}
