// Package simdriver is a generic radio.Driver over a node of the simulated
// medium: a "frame radio" with a pluggable airtime function, MTU, direction
// and duty-cycle budget. It lets the link protocol, the scheduler and the
// simulator run against the real Driver contract before (and beside) the
// LoRa and AX.25 drivers, whose chip model and simulated TNC attach to the
// same medium.
package simdriver

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
)

// Options configure a Driver.
type Options struct {
	// Name is the driver's name and its node's name on the medium.
	Name      string
	Medium    *medium.Medium
	Channel   medium.Channel
	Direction radio.Direction
	MTU       int
	BitRate   int
	// Airtime returns the time on air of an n-byte frame (for LoRa,
	// lora.Modem.Airtime).
	Airtime func(n int) time.Duration
	// Window and Allowed are the duty cycle: at most Allowed airtime in any
	// rolling Window. Zero Allowed means no limit.
	Window, Allowed time.Duration
	// MaxFrame is the dwell-time limit for one frame; zero means none.
	MaxFrame time.Duration
	// RxQueue is how many received frames wait for Receive before new
	// ones are dropped (default 64).
	RxQueue int
	Logger  *slog.Logger
}

// Stats count frames the driver dropped.
type Stats struct {
	Sent, Received int
	// BadCRC counts frames that arrived with bit errors (a radio's CRC
	// check fails); Overflow counts frames dropped for a full queue.
	BadCRC, Overflow int
}

// Driver is a radio.Driver on a medium node.
type Driver struct {
	o      Options
	clk    clock.Clock
	node   *medium.Node
	notify *radio.Notifier
	rx     chan radio.Frame
	done   chan struct{}
	log    *slog.Logger

	sendMu sync.Mutex // one transmission at a time
	mu     sync.Mutex
	ledger *radio.Ledger
	stats  Stats
	closed bool
}

var _ radio.Driver = (*Driver)(nil)

// Open attaches a driver to the medium and brings it up.
func Open(o Options) (*Driver, error) {
	switch {
	case o.Medium == nil || o.Airtime == nil:
		return nil, fmt.Errorf("simdriver: %s: medium and airtime function required", o.Name)
	case o.MTU <= 0:
		return nil, fmt.Errorf("simdriver: %s: MTU %d", o.Name, o.MTU)
	case o.Allowed > 0 && o.Window <= 0:
		return nil, fmt.Errorf("simdriver: %s: duty cycle without a window", o.Name)
	}
	if o.RxQueue <= 0 {
		o.RxQueue = 64
	}
	d := &Driver{o: o, clk: o.Medium.Clock(), notify: radio.NewNotifier(o.Name),
		rx: make(chan radio.Frame, o.RxQueue), done: make(chan struct{}), log: o.Logger}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if o.Allowed > 0 {
		d.ledger = radio.NewLedger(o.Window, o.Allowed)
	}
	d.notify.Set(radio.Starting, nil, d.clk.Now())
	node, err := o.Medium.Attach(o.Name, d.deliver)
	if err != nil {
		return nil, fmt.Errorf("simdriver: %w", err)
	}
	d.node = node
	if o.Direction.CanReceive() {
		node.Listen(o.Channel)
	}
	d.notify.Set(radio.Up, nil, d.clk.Now())
	return d, nil
}

// Name returns the driver's name.
func (d *Driver) Name() string { return d.o.Name }

// Capabilities returns direction, MTU and bit rate.
func (d *Driver) Capabilities() radio.Capabilities {
	return radio.Capabilities{Direction: d.o.Direction, MTU: d.o.MTU, BitRate: d.o.BitRate}
}

// Airtime returns the configured airtime of an n-byte frame.
func (d *Driver) Airtime(n int) time.Duration { return d.o.Airtime(n) }

// Budget reports the duty cycle and its use now.
func (d *Driver) Budget() radio.Budget {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := radio.Budget{MaxFrame: d.o.MaxFrame}
	if d.ledger != nil {
		b.Limited, b.Window, b.Allowed = true, d.o.Window, d.o.Allowed
		b.Used = d.ledger.Used(d.clk.Now())
	}
	return b
}

// Stats returns the driver's counters.
func (d *Driver) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// Send transmits payload and returns when its airtime has passed. It
// returns a *radio.BudgetError without transmitting when the duty cycle or
// dwell time does not allow the frame now.
func (d *Driver) Send(ctx context.Context, payload []byte) error {
	if !d.o.Direction.CanSend() {
		return radio.ErrReceiveOnly
	}
	if len(payload) > d.o.MTU {
		return fmt.Errorf("simdriver: %s: %d bytes: %w", d.o.Name, len(payload), radio.ErrTooLarge)
	}
	at := d.o.Airtime(len(payload))
	if d.o.MaxFrame > 0 && at > d.o.MaxFrame {
		return &radio.BudgetError{Driver: d.o.Name, Reason: fmt.Sprintf("frame of %v longer than the %v dwell time", at, d.o.MaxFrame)}
	}
	d.sendMu.Lock()
	defer d.sendMu.Unlock()
	if err := d.book(at); err != nil {
		return err
	}
	if err := d.node.Transmit(d.o.Channel, payload, at); err != nil {
		return fmt.Errorf("simdriver: %s: %w", d.o.Name, err)
	}
	t := d.clk.NewTimer(at)
	defer t.Stop()
	select {
	case <-t.Chan():
		return nil
	case <-ctx.Done():
		return ctx.Err() // the frame is on the air regardless
	case <-d.done:
		return radio.ErrClosed
	}
}

// book checks the budget and records the transmission.
func (d *Driver) book(at time.Duration) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return radio.ErrClosed
	}
	now := d.clk.Now()
	if d.ledger != nil {
		switch w := d.ledger.Wait(now, at); {
		case w < 0:
			return &radio.BudgetError{Driver: d.o.Name, Reason: fmt.Sprintf("frame of %v exceeds the allowance of %v", at, d.o.Allowed)}
		case w > 0:
			return &radio.BudgetError{Driver: d.o.Name, Wait: w, Reason: "duty cycle"}
		}
		d.ledger.Record(now, at)
	}
	d.stats.Sent++
	return nil
}

// deliver is the medium's callback.
func (d *Driver) deliver(r medium.Reception) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	if r.Corrupted {
		d.stats.BadCRC++
		return
	}
	f := radio.Frame{Driver: d.o.Name, Payload: r.Payload, Time: r.End, HasSignal: true, RSSI: r.RSSI, SNR: r.SNR}
	select {
	case d.rx <- f:
		d.stats.Received++
	default:
		d.stats.Overflow++
	}
}

// Receive returns the next frame heard.
func (d *Driver) Receive(ctx context.Context) (radio.Frame, error) {
	return radio.ReceiveFrom(ctx, d.rx, d.done)
}

// State returns the driver's state.
func (d *Driver) State() radio.State { return d.notify.State() }

// Events returns the driver's state changes.
func (d *Driver) Events() <-chan radio.StateEvent { return d.notify.Events() }

// Close stops listening and disables the driver. It is idempotent.
func (d *Driver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	close(d.done)
	d.node.Standby()
	d.notify.Set(radio.Disabled, nil, d.clk.Now())
	return nil
}
