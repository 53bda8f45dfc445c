package medium

import (
	"errors"
	"fmt"
	"time"
)

// Node is one radio's antenna on the medium: it transmits, listens on one
// channel at a time, and is deaf while it transmits.
type Node struct {
	m       *Medium
	name    string
	deliver func(Reception)

	// Guarded by m.mu.
	listening   bool
	ch          Channel
	listenSince time.Time
	txUntil     time.Time
	seq         uint64
	stats       Stats
}

// Name returns the node's name.
func (n *Node) Name() string { return n.name }

// Listen tunes the node's receiver to ch from now on. A frame is heard only
// if the node listened on its channel from the frame's first symbol to its
// last.
func (n *Node) Listen(ch Channel) {
	n.m.mu.Lock()
	defer n.m.mu.Unlock()
	if n.listening && n.ch == ch {
		return
	}
	n.listening, n.ch, n.listenSince = true, ch, n.m.clock.Now()
}

// Standby stops listening.
func (n *Node) Standby() {
	n.m.mu.Lock()
	defer n.m.mu.Unlock()
	n.listening = false
}

// ErrBusy is returned by Transmit while the node's previous transmission is
// still on the air.
var ErrBusy = errors.New("medium: node is already transmitting")

// Transmit puts payload on the air on ch from now for airtime. It returns at
// once; receivers get the frame when the airtime (plus their link's latency)
// has passed. The node hears nothing while it transmits. The caller keeps
// its own timer for the end of its transmission (a radio raises TxDone).
func (n *Node) Transmit(ch Channel, payload []byte, airtime time.Duration) error {
	m := n.m
	m.mu.Lock()
	now := m.clock.Now()
	if n.txUntil.After(now) {
		m.mu.Unlock()
		return fmt.Errorf("medium: %s transmit: %w", n.name, ErrBusy)
	}
	n.seq++
	n.stats.Sent++
	n.txUntil = now.Add(airtime)
	t := &transmission{from: n, seq: n.seq, ch: ch, payload: append([]byte(nil), payload...),
		start: now, end: now.Add(airtime)}
	m.prune(now)
	m.flight = append(m.flight, t)
	// One timer per receiver with a link, each firing after its latency.
	type target struct {
		to   *Node
		link Link
	}
	var targets []target
	for _, to := range m.nodes {
		if to == n {
			continue
		}
		if l, ok := m.links[[2]string{n.name, to.name}]; ok {
			targets = append(targets, target{to, l})
		}
	}
	m.longest = max(m.longest, airtime)
	for _, tg := range targets {
		m.longest = max(m.longest, airtime+tg.link.Latency)
	}
	m.mu.Unlock()
	for _, tg := range targets {
		m.clock.AfterFunc(airtime+tg.link.Latency, func() { m.arrive(t, tg.to, tg.link) })
	}
	return nil
}

// Busy reports whether the node hears energy on ch's frequency now: a
// transmission in progress from a node with a link to this one (channel
// activity detection, carrier sense).
func (n *Node) Busy(ch Channel) bool {
	m := n.m
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	for _, t := range m.flight {
		if t.from == n || t.ch.Frequency != ch.Frequency {
			continue
		}
		if _, ok := m.links[[2]string{t.from.name, n.name}]; !ok {
			continue
		}
		if !now.Before(t.start) && now.Before(t.end) {
			return true
		}
	}
	return false
}

// arrive decides what receiver to hears of t and delivers it.
func (m *Medium) arrive(t *transmission, to *Node, l Link) {
	m.mu.Lock()
	verdict := m.judge(t, to, l)
	rec := Reception{Channel: t.ch, From: t.from.name, RSSI: l.RSSI, SNR: l.SNR, Start: t.start, End: t.end}
	if verdict == heard {
		rec.Payload = append([]byte(nil), t.payload...)
		rec.Corrupted = m.bitErrors(t, to.name, rec.Payload, l.BitErrorRate)
		if rec.Corrupted {
			to.stats.Corrupted++
		} else {
			to.stats.Received++
		}
	}
	m.mu.Unlock()
	m.log.Debug("medium: arrival", "from", t.from.name, "to", to.name, "seq", t.seq, "verdict", verdict.String())
	if verdict == heard && to.deliver != nil {
		to.deliver(rec)
	}
}

type verdict uint8

const (
	heard verdict = iota
	deaf
	lost
	collided
)

func (v verdict) String() string {
	return [...]string{"heard", "deaf", "lost", "collided"}[v]
}

// judge decides the fate of t at receiver to. Called with m.mu held.
func (m *Medium) judge(t *transmission, to *Node, l Link) verdict {
	switch {
	case !to.listening || to.ch != t.ch || to.listenSince.After(t.start):
		to.stats.Missed++
		return deaf
	case m.transmittedDuring(to, t):
		to.stats.Missed++
		return deaf
	case m.collides(t, to):
		to.stats.Collided++
		return collided
	case m.roll(t, to.name, "loss", 0) < m.lossAt(l, t.from.name, to.name, t.end):
		to.stats.Lost++
		return lost
	}
	return heard
}

// transmittedDuring reports whether to was on the air during any part of
// t (half-duplex). Called with m.mu held.
func (m *Medium) transmittedDuring(to *Node, t *transmission) bool {
	for _, o := range m.flight {
		if o.from == to && o.start.Before(t.end) && t.start.Before(o.end) {
			return true
		}
	}
	return false
}

// collides reports whether another transmission that to can hear overlaps t
// on the same frequency. Called with m.mu held.
func (m *Medium) collides(t *transmission, to *Node) bool {
	for _, o := range m.flight {
		if o == t || o.from == to || o.ch.Frequency != t.ch.Frequency {
			continue
		}
		if !(o.start.Before(t.end) && t.start.Before(o.end)) {
			continue
		}
		if _, ok := m.links[[2]string{o.from.name, to.name}]; ok {
			return true
		}
	}
	return false
}
