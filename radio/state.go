package radio

import (
	"fmt"
	"sync"
	"time"
)

// State is a driver's life-cycle state.
type State uint8

const (
	// Disabled drivers are configured off or closed.
	Disabled State = iota
	// Starting drivers are opening their device or connecting.
	Starting
	// Up drivers move frames.
	Up
	// Failed drivers lost their device; they may come back (Starting).
	Failed
)

var stateNames = [...]string{Disabled: "disabled", Starting: "starting", Up: "up", Failed: "failed"}

// String returns the state in lower case ("up", "failed", ...).
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", s)
}

// StateEvent reports one state change of a driver.
type StateEvent struct {
	Driver string
	State  State
	// Err says why the driver failed; nil otherwise.
	Err  error
	Time time.Time
}

// EventBuffer is how many state events a Notifier keeps for a slow reader.
const EventBuffer = 16

// Notifier holds a driver's state and publishes its changes. Drivers embed
// one instead of writing their own; the zero value is not usable, use
// NewNotifier.
type Notifier struct {
	name   string
	mu     sync.Mutex
	state  State
	err    error
	events chan StateEvent
}

// NewNotifier returns a Notifier for the named driver, in state Disabled.
func NewNotifier(name string) *Notifier {
	return &Notifier{name: name, events: make(chan StateEvent, EventBuffer)}
}

// State returns the current state.
func (n *Notifier) State() State {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.state
}

// Err returns the error of the last transition to Failed, or nil.
func (n *Notifier) Err() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

// Events returns the channel of state changes.
func (n *Notifier) Events() <-chan StateEvent { return n.events }

// Set moves to state s at time now (err says why, for Failed) and
// publishes the change. Setting the current state again publishes nothing.
// When the buffer is full the oldest event is dropped.
func (n *Notifier) Set(s State, err error, now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if s == n.state && sameError(err, n.err) {
		return
	}
	n.state, n.err = s, err
	ev := StateEvent{Driver: n.name, State: s, Err: err, Time: now}
	for {
		select {
		case n.events <- ev:
			return
		default:
		}
		select {
		case <-n.events:
		default:
		}
	}
}

// sameError reports whether a and b are the same error value. Unlike a
// bare ==, it does not panic on error values that cannot be compared (a
// slice or map type, or a struct holding one in an interface field): those
// count as different.
func sameError(a, b error) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}
