package link

import (
	"fmt"
	"time"

	"github.com/klauspost/reedsolomon"
)

// Encoder turns messages into frames for one driver.
type Encoder struct {
	Network Network
	// MTU is the driver's largest frame.
	MTU int
	// Airtime is the driver's airtime function, used to choose the
	// cheapest plan.
	Airtime    func(n int) time.Duration
	Redundancy Redundancy
}

// Outgoing is a message encoded for one driver, ready to be transmitted
// once or many times (the carousel).
type Outgoing struct {
	Network Network
	Type    Type
	ID      [IDSize]byte
	Plan    Plan
	body    []byte
}

// Encode plans a message and returns it ready for transmission.
func (e Encoder) Encode(m Message) (*Outgoing, error) {
	body, err := m.AppendBody(nil)
	if err != nil {
		return nil, err
	}
	return e.EncodeBody(m.Type(), body)
}

// EncodeBody is Encode for a body already encoded (or of a type this
// version does not know).
func (e Encoder) EncodeBody(t Type, body []byte) (*Outgoing, error) {
	p, err := PlanMessage(len(body), e.MTU, e.Airtime, e.Redundancy)
	if err != nil {
		return nil, fmt.Errorf("link: encode %v: %w", t, err)
	}
	return &Outgoing{Network: e.Network, Type: t, ID: MessageID(e.Network, t, body), Plan: p, body: body}, nil
}

// Frames returns the frames of transmission number pass (0 for the first).
// A whole message repeats the same frame Copies times. A fragmented one
// sends N fragments; each later pass sends the next N fragment indexes
// (wrapping within the 255 the code has), so a receiver that missed
// fragments in one pass collects different ones in the next and any K
// distinct fragments from any passes rebuild the message.
func (o *Outgoing) Frames(pass int) ([][]byte, error) {
	p := o.Plan
	if p.Whole {
		f := AppendWhole(make([]byte, 0, p.FrameLen), o.Network, o.Type, o.body)
		frames := make([][]byte, p.Copies)
		for i := range frames {
			frames[i] = f
		}
		return frames, nil
	}
	first := pass * p.N % MaxFragments
	total := MaxFragments
	if first+p.N <= MaxFragments {
		total = max(first+p.N, p.K)
	}
	shards, err := encodeShards(o.body, p.K, total, p.Shard)
	if err != nil {
		return nil, fmt.Errorf("link: encode %v: %w", o.Type, err)
	}
	pad := p.K*p.Shard - len(o.body)
	frames := make([][]byte, p.N)
	for i := range frames {
		idx := (first + i) % MaxFragments
		frames[i] = AppendFragment(make([]byte, 0, p.FrameLen), o.Network, o.Type, o.ID, p.K, idx, pad, shards[idx])
	}
	return frames, nil
}

// encodeShards splits body into k data shards of size bytes (zero-padded)
// and computes parity shards up to total.
func encodeShards(body []byte, k, total, size int) ([][]byte, error) {
	shards := make([][]byte, total)
	buf := make([]byte, total*size)
	for i := range shards {
		shards[i] = buf[i*size : (i+1)*size : (i+1)*size]
	}
	copy(buf, body)
	if total == k {
		return shards, nil
	}
	enc, err := newCode(k, total)
	if err != nil {
		return nil, err
	}
	if err := enc.Encode(shards); err != nil {
		return nil, err
	}
	return shards, nil
}

// newCode returns the Reed-Solomon code with k data shards and total
// shards in all. The code's parity rows depend only on k and the row
// index, so codes of one k with different totals agree on every shard they
// share. The inversion cache is off: its size grows with the erasure
// patterns seen, which hostile input chooses.
func newCode(k, total int) (reedsolomon.Encoder, error) {
	return reedsolomon.New(k, total-k, reedsolomon.WithInversionCache(false), reedsolomon.WithMaxGoroutines(1))
}
