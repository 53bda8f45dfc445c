package link

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Received is one message rebuilt by a Receiver.
type Received struct {
	Network Network
	Type    Type
	ID      [IDSize]byte
	// Body is the message body; the receiver owns it.
	Body []byte
	// Message is the decoded body.
	Message Message
}

// Stats count what a Receiver did with the frames it was given.
type Stats struct {
	Frames       int `json:"frames"`        // frames given to Accept
	Malformed    int `json:"malformed"`     // frames that failed DecodeFrame (check, version, geometry)
	WrongNetwork int `json:"wrong_network"` // frames of another network
	UnknownType  int `json:"unknown_type"`  // frames of a type this version does not know (skipped)
	Duplicates   int `json:"duplicates"`    // frames of messages already delivered
	Fragments    int `json:"fragments"`     // fragments stored
	Delivered    int `json:"delivered"`     // messages delivered
	BadBody      int `json:"bad_body"`      // messages whose body did not decode for their type
	Corrupt      int `json:"corrupt"`       // reassemblies dropped because no subset of fragments checked
	NoRoom       int `json:"no_room"`       // fragments dropped for lack of room
	Evicted      int `json:"evicted"`       // partial messages evicted for others
	Expired      int `json:"expired"`       // partial messages dropped for age
	// Partial and Bytes are the reassembly state now: entries and
	// accounted bytes.
	Partial int `json:"partial"`
	Bytes   int `json:"bytes"`
}

// ErrDuplicate reports a frame of a message already delivered.
var ErrDuplicate = errors.New("link: duplicate of a delivered message")

// ErrWrongNetwork reports a frame of another Bitcoin network.
var ErrWrongNetwork = errors.New("link: frame of another network")

// Receiver rebuilds messages from frames of one network. It is safe for
// concurrent use; frames from several drivers may share one Receiver, so
// fragments of a message heard on different links combine.
type Receiver struct {
	network Network
	mu      sync.Mutex
	re      *reassembly
	done    doneSet
	stats   Stats
}

// NewReceiver returns a receiver for network n within lim. It refuses
// limits too small for the largest message.
func NewReceiver(n Network, lim Limits) (*Receiver, error) {
	switch {
	case lim.MaxPartial < 4:
		return nil, fmt.Errorf("link: MaxPartial %d below 4", lim.MaxPartial)
	case provenCap(lim.MaxBytes) < minLimitBytes:
		return nil, fmt.Errorf("link: MaxBytes %d below %d (3/4 of it must hold the largest message)", lim.MaxBytes, minLimitBytes*4/3+1)
	case lim.MaxAge <= 0 || lim.MaxIdle <= 0 || lim.MaxDone < 1 || lim.DoneFor <= 0:
		return nil, fmt.Errorf("link: MaxAge %v, MaxIdle %v, MaxDone %d and DoneFor %v must be positive", lim.MaxAge, lim.MaxIdle, lim.MaxDone, lim.DoneFor)
	}
	return &Receiver{network: n, re: newReassembly(lim), done: newDoneSet(lim.MaxDone, lim.DoneFor)}, nil
}

// Stats returns the counters.
func (r *Receiver) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.Partial, s.Bytes = len(r.re.entries), r.re.bytes
	return s
}

// Accept takes one frame received at now. It returns the message when the
// frame completes one (ok true), nothing when the frame was stored or was
// a needless duplicate fragment (ok false, nil error), and an error saying
// why the frame was dropped otherwise. Accept does not keep frame.
func (r *Receiver) Accept(frame []byte, now time.Time) (msg Received, ok bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.Frames++
	r.stats.Expired += r.re.expire(now)
	f, err := DecodeFrame(frame)
	switch {
	case err != nil:
		r.stats.Malformed++
		return Received{}, false, err
	case f.Network != r.network:
		r.stats.WrongNetwork++
		return Received{}, false, fmt.Errorf("%w: %v", ErrWrongNetwork, f.Network)
	case !f.Type.Known():
		r.stats.UnknownType++
		return Received{}, false, fmt.Errorf("%w %d", ErrUnknownType, uint8(f.Type))
	}
	if !f.Fragment {
		return r.deliver(&f, MessageID(f.Network, f.Type, f.Body), f.Body, now)
	}
	if r.done.has(doneKey{f.Network, f.Type, f.ID}, now) {
		r.stats.Duplicates++
		return Received{}, false, ErrDuplicate
	}
	return r.fragment(&f, now)
}

func (r *Receiver) fragment(f *Frame, now time.Time) (Received, bool, error) {
	p, evicted, err := r.re.add(f, headerByte(f.Network, false), now)
	r.stats.Evicted += evicted
	if err != nil {
		r.stats.NoRoom++
		return Received{}, false, err
	}
	r.stats.Fragments++
	if len(p.idx) < f.K {
		return Received{}, false, nil
	}
	body, err := r.rebuild(p)
	if err != nil {
		if len(p.idx) < f.K+spareShards {
			return Received{}, false, nil // wait for another fragment
		}
		r.re.remove(p.key)
		r.stats.Corrupt++
		return Received{}, false, err
	}
	r.re.remove(p.key)
	return r.deliver(f, f.ID, body, now)
}

// deliver decodes a complete body and remembers its id.
func (r *Receiver) deliver(f *Frame, id [IDSize]byte, body []byte, now time.Time) (Received, bool, error) {
	dk := doneKey{f.Network, f.Type, id}
	if r.done.has(dk, now) {
		r.stats.Duplicates++
		return Received{}, false, ErrDuplicate
	}
	body = append([]byte(nil), body...)
	m, err := DecodeBody(f.Type, body)
	if err != nil {
		r.stats.BadBody++
		return Received{}, false, err
	}
	r.done.add(dk, now)
	r.stats.Delivered++
	return Received{Network: f.Network, Type: f.Type, ID: id, Body: body, Message: m}, true, nil
}

// rebuild decodes p from k of its fragments and checks the result against
// the id, trying other subsets of fragments (at most maxDecodeTries in all
// per new fragment) when one fails.
func (r *Receiver) rebuild(p *partial) ([]byte, error) {
	k := p.key.k
	pick := make([]int, k) // positions into p.idx, ascending
	for i := range pick {
		pick[i] = i
	}
	for ; p.tries < maxDecodeTries; p.tries++ {
		if body, err := decodeSubset(p, pick); err == nil && MessageID(Network(p.key.hdr>>hdrNetworkShift&3), Type(p.key.typ), body) == p.key.id {
			return body, nil
		}
		if !nextSubset(pick, len(p.idx)) {
			p.tries = maxDecodeTries
		}
	}
	return nil, ErrCorrupt
}

// nextSubset advances pick to the next k-subset of 0..n-1 in
// lexicographic order, reporting false after the last.
func nextSubset(pick []int, n int) bool {
	k := len(pick)
	i := k - 1
	for i >= 0 && pick[i] == n-k+i {
		i--
	}
	if i < 0 {
		return false
	}
	pick[i]++
	for j := i + 1; j < k; j++ {
		pick[j] = pick[j-1] + 1
	}
	return true
}

// decodeSubset rebuilds the message body from the fragments at the given
// positions of p.
func decodeSubset(p *partial, pick []int) ([]byte, error) {
	k, size := p.key.k, p.key.shardN
	total := k
	for _, i := range pick {
		total = max(total, int(p.idx[i])+1)
	}
	shards := make([][]byte, total)
	for _, i := range pick {
		shards[p.idx[i]] = p.shards[i]
	}
	if total > k {
		code, err := newCode(k, total)
		if err != nil {
			return nil, err
		}
		if err := code.ReconstructData(shards); err != nil {
			return nil, err
		}
	}
	body := make([]byte, 0, k*size)
	for _, s := range shards[:k] {
		body = append(body, s...)
	}
	return body[:k*size-p.key.pad], nil
}

// doneEntryBytes bounds the memory one remembered id takes: a ring slot
// and a map entry with its delivery time.
const doneEntryBytes = 64

// doneKey names a delivered message.
type doneKey struct {
	n  Network
	t  Type
	id [IDSize]byte
}

// doneSet remembers the last max delivered messages (a ring and a map),
// each as a duplicate for ttl after its delivery.
type doneSet struct {
	ring []doneKey
	next int
	set  map[doneKey]int64 // when each was delivered, Unix nanoseconds (8 bytes, no pointer)
	ttl  time.Duration
}

func newDoneSet(max int, ttl time.Duration) doneSet {
	return doneSet{ring: make([]doneKey, 0, max), set: make(map[doneKey]int64, max), ttl: ttl}
}

// has reports whether k was delivered less than ttl before now.
func (d *doneSet) has(k doneKey, now time.Time) bool {
	at, ok := d.set[k]
	return ok && now.UnixNano()-at < int64(d.ttl)
}

// add remembers k as delivered at now, forgetting the oldest id when the
// ring is full. A key delivered again (after its ttl) is refreshed in place.
func (d *doneSet) add(k doneKey, now time.Time) {
	if _, ok := d.set[k]; ok {
		d.set[k] = now.UnixNano()
		return
	}
	if len(d.ring) < cap(d.ring) {
		d.ring = append(d.ring, k)
	} else {
		delete(d.set, d.ring[d.next])
		d.ring[d.next] = k
		d.next = (d.next + 1) % len(d.ring)
	}
	d.set[k] = now.UnixNano()
}
