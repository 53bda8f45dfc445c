package headers

import (
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// EventKind says what changed.
type EventKind int

const (
	// EventTip: the best chain grew on top of the previous tip.
	EventTip EventKind = iota + 1
	// EventReorg: the best chain switched to a branch with more work.
	EventReorg
)

func (k EventKind) String() string {
	switch k {
	case EventTip:
		return "tip"
	case EventReorg:
		return "reorg"
	}
	return "unknown"
}

// Event reports a change of the best chain. It is sent only after the
// change is durable on flash.
type Event struct {
	Kind EventKind
	// Tip is the new best header and OldTip the previous one.
	Tip    Tip
	OldTip Tip
	// Connected is the number of headers that joined the best chain.
	Connected int32
	// ForkHeight and ForkHash are the last header the old and new best
	// chains share, and Depth the number of old headers that left the best
	// chain (both only for EventReorg).
	ForkHeight int32
	ForkHash   chainhash.Hash
	Depth      int32
	// Missed counts events that were dropped before this one because the
	// subscriber's buffer was full: the oldest go first, so the newest
	// state always arrives.
	Missed uint64
}

// Subscription receives the chain's events on a buffered channel. The
// chain never waits for a subscriber: when the buffer is full it drops the
// oldest queued event and counts it in the next one's Missed.
type Subscription struct {
	c      *Chain
	ch     chan Event
	mu     sync.Mutex
	missed uint64
	closed bool
}

// Subscribe returns a subscription with room for buffer events (at least 1).
func (c *Chain) Subscribe(buffer int) *Subscription {
	sub := &Subscription{c: c, ch: make(chan Event, max(buffer, 1))}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		sub.close()
		return sub
	}
	c.subs[sub] = struct{}{}
	return sub
}

// Events is the channel the events arrive on. It is closed by Close and
// when the chain closes.
func (sub *Subscription) Events() <-chan Event { return sub.ch }

// Close stops the subscription and closes its channel.
func (sub *Subscription) Close() {
	sub.c.mu.Lock()
	delete(sub.c.subs, sub)
	sub.c.mu.Unlock()
	sub.close()
}

func (sub *Subscription) close() {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if !sub.closed {
		sub.closed = true
		close(sub.ch)
	}
}

// deliver queues ev without ever blocking.
func (sub *Subscription) deliver(ev Event) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.closed {
		return
	}
	for {
		ev.Missed = sub.missed
		select {
		case sub.ch <- ev:
			sub.missed = 0
			return
		default:
		}
		select {
		case old := <-sub.ch:
			sub.missed += 1 + old.Missed
		default:
		}
	}
}

// emit sends ev to every subscriber (the caller holds c.mu).
func (c *Chain) emit(ev Event) {
	for sub := range c.subs {
		sub.deliver(ev)
	}
}
