package simdriver

import (
	"context"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
)

// Loopback is a two-way driver that hears its own frames: a transmitter and
// a receiver on a private medium with a lossless link. It stands in for a
// radio where a whole driver is needed without a partner, for example in a
// driver child process under test, or for `altnet driver-child --kind
// loopback`.
type Loopback struct {
	tx, rx *Driver
}

var _ radio.Driver = (*Loopback)(nil)

// NewLoopback opens a loopback driver. o.Medium, o.Channel and o.Direction
// are ignored; clk drives its private medium (the real clock when nil).
func NewLoopback(o Options, clk clock.Clock) (*Loopback, error) {
	m := medium.New(medium.Options{Clock: clk})
	o.Medium, o.Direction = m, radio.TransmitOnly
	o.Channel = medium.Channel{Frequency: 1, Modulation: "loopback"}
	tx, err := Open(o)
	if err != nil {
		return nil, err
	}
	ro := o
	ro.Name, ro.Direction, ro.Allowed = o.Name+"/rx", radio.ReceiveOnly, 0
	rx, err := Open(ro)
	if err != nil {
		tx.Close()
		return nil, err
	}
	m.Connect(o.Name, ro.Name, medium.Link{RSSI: -50, SNR: 10})
	return &Loopback{tx: tx, rx: rx}, nil
}

// Name returns the driver's name.
func (l *Loopback) Name() string { return l.tx.Name() }

// Capabilities reports a two-way driver.
func (l *Loopback) Capabilities() radio.Capabilities {
	c := l.tx.Capabilities()
	c.Direction = radio.TwoWay
	return c
}

// Budget reports the transmitter's budget.
func (l *Loopback) Budget() radio.Budget { return l.tx.Budget() }

// Airtime returns the configured airtime.
func (l *Loopback) Airtime(n int) time.Duration { return l.tx.Airtime(n) }

// Send transmits a frame that Receive will return.
func (l *Loopback) Send(ctx context.Context, p []byte) error { return l.tx.Send(ctx, p) }

// Receive returns the next frame sent, with the driver's name.
func (l *Loopback) Receive(ctx context.Context) (radio.Frame, error) {
	f, err := l.rx.Receive(ctx)
	f.Driver = l.Name()
	return f, err
}

// State returns the transmitter's state.
func (l *Loopback) State() radio.State { return l.tx.State() }

// Events returns the transmitter's state changes.
func (l *Loopback) Events() <-chan radio.StateEvent { return l.tx.Events() }

// Close closes both halves.
func (l *Loopback) Close() error {
	l.rx.Close()
	return l.tx.Close()
}
