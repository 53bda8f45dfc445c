// Package medium simulates the air between radios: nodes transmit frames on
// channels, and every other node that is listening on the same channel and
// has a link from the sender receives the frame when its airtime ends,
// unless the link loses it, bit errors corrupt it, another transmission on
// the same frequency collides with it, or the receiver was itself
// transmitting (half-duplex).
//
// The chip model of the lora package and the simulated TNC of the ax25
// package attach to a Medium exactly where a real radio meets the air, so the
// drivers above them run unchanged. Links are directional (a one-way link is
// a link in one direction only) and carry loss, fading (burst loss), bit
// error rate, latency and a link budget (RSSI, SNR).
//
// Time comes from the clock given to New, so a test inside a
// testing/synctest bubble runs hours of traffic in milliseconds. Random
// decisions are drawn from a hash of the seed, the sender, the sender's frame
// number and the receiver, so a run is reproducible whatever order the
// goroutines happen to run in.
package medium

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/altnet/altnet/internal/clock"
)

// Channel is what a receiver must be tuned to in order to hear a
// transmission: the carrier frequency in hertz and a modulation key that
// names every other parameter both ends must share (for LoRa: spreading
// factor, bandwidth, coding rate, sync word, header mode; for packet radio:
// the modem, e.g. "afsk1200"). Transmissions on the same frequency collide
// whatever their modulation.
type Channel struct {
	Frequency  int64
	Modulation string
}

// String returns the frequency in MHz and the modulation key.
func (c Channel) String() string {
	return fmt.Sprintf("%.4f MHz %s", float64(c.Frequency)/1e6, c.Modulation)
}

// Link describes what one node hears of another.
type Link struct {
	// Loss is the probability that a frame is not received at all.
	Loss float64
	// BitErrorRate is the probability that each bit is flipped; a frame
	// with flipped bits is delivered with Corrupted set, as a radio whose
	// CRC or FCS check will fail.
	BitErrorRate float64
	// Latency delays delivery after the end of the airtime.
	Latency time.Duration
	// RSSI is the received signal strength in dBm.
	RSSI int
	// SNR is the signal-to-noise ratio in dB.
	SNR float64
	// FadeSlot, FadeProb and FadeLoss model burst loss (fading,
	// interference): time is cut into slots of FadeSlot, each slot is faded
	// with probability FadeProb (drawn from the seed, the link and the slot,
	// so a run is reproducible), and a frame that ends in a faded slot is
	// lost with probability FadeLoss instead of Loss. Zero FadeSlot means
	// no fading.
	FadeSlot time.Duration
	FadeProb float64
	FadeLoss float64
}

// lossAt returns the link's loss probability for a frame ending at end.
func (m *Medium) lossAt(l Link, from, to string, end time.Time) float64 {
	if l.FadeSlot <= 0 || l.FadeProb <= 0 {
		return l.Loss
	}
	slot := uint64(end.UnixNano() / int64(l.FadeSlot))
	x := fnv64(m.seed, from, slot, to, "fade", 0)
	if float64(x>>11)/float64(1<<53) < l.FadeProb {
		return l.FadeLoss
	}
	return l.Loss
}

// Reception is one frame as a receiver hears it.
type Reception struct {
	Channel Channel
	From    string
	// Payload is the receiver's own copy.
	Payload []byte
	// Corrupted reports bit errors in Payload.
	Corrupted bool
	RSSI      int
	SNR       float64
	// Start and End bound the transmission's airtime.
	Start, End time.Time
}

// Stats counts what happened to frames at one node.
type Stats struct {
	Sent      int // frames this node transmitted
	Received  int // frames delivered to this node intact
	Corrupted int // frames delivered with bit errors
	Lost      int // frames the link lost
	Collided  int // frames destroyed by an overlapping transmission
	Missed    int // frames sent while this node was deaf (transmitting or tuned elsewhere)
}

// Options configure a Medium.
type Options struct {
	// Clock drives airtime and latency; the real clock when nil.
	Clock clock.Clock
	// Seed makes loss and bit errors reproducible.
	Seed uint64
	// Logger receives one debug line per delivery decision; discarded when nil.
	Logger *slog.Logger
}

// Medium is the simulated air. It is safe for concurrent use.
type Medium struct {
	clock clock.Clock
	seed  uint64
	log   *slog.Logger

	mu     sync.Mutex
	nodes  map[string]*Node
	links  map[[2]string]Link
	flight []*transmission // transmissions that may still overlap an arrival
	// longest is the longest airtime plus latency seen, which bounds how
	// far back an arriving frame can overlap another.
	longest time.Duration
}

type transmission struct {
	from       *Node
	seq        uint64
	ch         Channel
	payload    []byte
	start, end time.Time
}

// New returns an empty medium.
func New(o Options) *Medium {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Medium{
		clock: clock.OrReal(o.Clock),
		seed:  o.Seed,
		log:   log,
		nodes: make(map[string]*Node),
		links: make(map[[2]string]Link),
	}
}

// Clock returns the medium's clock; radios attached to it use the same one.
func (m *Medium) Clock() clock.Clock { return m.clock }

// ErrNameTaken is returned by Attach for a name already attached.
var ErrNameTaken = errors.New("medium: node name already attached")

// Attach adds a node. deliver is called for every frame the node receives,
// never with the medium's lock held; it must not block for long. Each
// arrival runs on its own timer goroutine (the clock's AfterFunc), so two
// calls for one node may overlap, and arrivals due at nearly the same
// instant may come in either order: deliver must do its own locking.
func (m *Medium) Attach(name string, deliver func(Reception)) (*Node, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.nodes[name]; ok {
		return nil, fmt.Errorf("medium: attach %q: %w", name, ErrNameTaken)
	}
	n := &Node{m: m, name: name, deliver: deliver}
	m.nodes[name] = n
	return n, nil
}

// Connect sets the link from one node to another (one direction). Calling
// it again replaces the link.
func (m *Medium) Connect(from, to string, l Link) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.links[[2]string{from, to}] = l
}

// ConnectBoth sets the same link in both directions.
func (m *Medium) ConnectBoth(a, b string, l Link) {
	m.Connect(a, b, l)
	m.Connect(b, a, l)
}

// Disconnect removes the link from one node to another.
func (m *Medium) Disconnect(from, to string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.links, [2]string{from, to})
}

// Stats returns the counters of the named node.
func (m *Medium) Stats(name string) Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n, ok := m.nodes[name]; ok {
		return n.stats
	}
	return Stats{}
}

// prune forgets transmissions that can no longer overlap a frame still to
// arrive: a frame arriving now started at most longest ago. Called with
// m.mu held.
func (m *Medium) prune(now time.Time) {
	horizon := now.Add(-m.longest)
	keep := m.flight[:0]
	for _, t := range m.flight {
		if t.end.After(horizon) {
			keep = append(keep, t)
		}
	}
	clear(m.flight[len(keep):])
	m.flight = keep
}

// roll returns a uniform number in [0, 1) for the given decision, the same
// for the same seed, sender, frame number, receiver and purpose.
func (m *Medium) roll(t *transmission, to string, purpose string, i int) float64 {
	x := fnv64(m.seed, t.from.name, t.seq, to, purpose, uint64(i))
	return float64(x>>11) / float64(1<<53)
}

// fnv64 hashes the decision's identity (FNV-1a, then a splitmix64 finalizer
// for good low bits).
func fnv64(seed uint64, from string, seq uint64, to, purpose string, i uint64) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037) ^ seed
	mixStr := func(s string) {
		for j := 0; j < len(s); j++ {
			h ^= uint64(s[j])
			h *= prime
		}
		h ^= 0xff
		h *= prime
	}
	mixU := func(v uint64) {
		for j := 0; j < 8; j++ {
			h ^= v & 0xff
			h *= prime
			v >>= 8
		}
	}
	mixStr(from)
	mixU(seq)
	mixStr(to)
	mixStr(purpose)
	mixU(i)
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// bitErrors flips each bit of p with probability ber and reports whether
// any flipped. It draws the number of bits to the next error from a
// geometric distribution, so long clean frames cost little.
func (m *Medium) bitErrors(t *transmission, to string, p []byte, ber float64) bool {
	if ber <= 0 {
		return false
	}
	bits := len(p) * 8
	flipped := false
	pos := -1
	for i := 0; ; i++ {
		u := m.roll(t, to, "ber", i)
		skip := 0
		if ber < 1 {
			skip = int(math.Floor(math.Log1p(-u) / math.Log1p(-ber)))
		}
		pos += skip + 1
		if pos >= bits || pos < 0 {
			return flipped
		}
		p[pos/8] ^= 1 << (pos % 8)
		flipped = true
	}
}
