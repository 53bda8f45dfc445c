package radio

import (
	"context"
	"errors"
	"testing"
)

func TestNotifierDropsOldest(t *testing.T) {
	n := NewNotifier("lora0")
	if n.State() != Disabled {
		t.Fatalf("new notifier in %v", n.State())
	}
	n.Set(Up, nil, t0)
	n.Set(Up, nil, t0) // no change, no event
	for i := range EventBuffer + 5 {
		if i%2 == 0 {
			n.Set(Failed, errors.New("gone"), t0)
		} else {
			n.Set(Starting, nil, t0)
		}
	}
	if got := len(n.Events()); got != EventBuffer {
		t.Fatalf("%d events buffered, want %d", got, EventBuffer)
	}
	var last StateEvent
	for len(n.Events()) > 0 {
		last = <-n.Events()
	}
	if last.State != n.State() || last.Driver != "lora0" {
		t.Fatalf("last event %+v, state %v", last, n.State())
	}
}

func TestNamesAndBudget(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{TwoWay.String(), "two-way"},
		{ReceiveOnly.String(), "receive-only"},
		{Direction(9).String(), "Direction(9)"},
		{Up.String(), "up"},
		{State(7).String(), "State(7)"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if !TransmitOnly.CanSend() || TransmitOnly.CanReceive() || ReceiveOnly.CanSend() {
		t.Error("direction predicates wrong")
	}
	b := Budget{Limited: true, Allowed: 36e9, Used: 40e9}
	if b.Remaining() != 0 {
		t.Errorf("overspent budget has %v remaining", b.Remaining())
	}
	var err error = &BudgetError{Driver: "lora0", Wait: 5e9, Reason: "duty cycle 1% on 868.1 MHz"}
	if !errors.Is(err, ErrBudget) {
		t.Error("BudgetError does not match ErrBudget")
	}
}

// listError is an error type that == cannot compare (a slice): comparing
// two such interface values panics at run time.
type listError []string

func (e listError) Error() string { return e[0] }

// wrapped is a comparable struct type whose field may hold an uncomparable
// error: == on two of them panics too.
type wrapped struct{ err error }

func (e wrapped) Error() string { return e.err.Error() }

// TestNotifierUncomparableErrors: a driver may fail with any error value;
// the Notifier must not panic comparing it with the previous one.
func TestNotifierUncomparableErrors(t *testing.T) {
	n := NewNotifier("ax25")
	n.Set(Failed, listError{"gone"}, t0)
	n.Set(Failed, listError{"gone again"}, t0)
	n.Set(Failed, wrapped{listError{"inside"}}, t0)
	n.Set(Failed, errors.New("other"), t0)
	n.Set(Up, nil, t0)
	n.Set(Up, nil, t0) // no change, no event
	if got := len(n.Events()); got != 5 {
		t.Fatalf("%d events, want 5 (each failure with a new error, then up)", got)
	}
}

func TestReceiveFrom(t *testing.T) {
	rx, done := make(chan Frame, 1), make(chan struct{})
	rx <- Frame{Driver: "lora0"}
	if f, err := ReceiveFrom(context.Background(), rx, done); err != nil || f.Driver != "lora0" {
		t.Fatalf("queued frame: %+v, %v", f, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReceiveFrom(ctx, rx, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
	close(done)
	if _, err := ReceiveFrom(context.Background(), rx, done); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed driver: %v", err)
	}
}
