// Package tnc is the AX.25 radio driver: it speaks KISS to a TNC, a
// hardware one on a serial port (github.com/tarm/serial) or a software one
// over TCP (Direwolf), and implements radio.Driver on top.
//
// Frames sent are AX.25 UI frames from the operator's callsign to the
// AltNet destination, the payload in the information field, in the clear
// (amateur rules forbid encryption). Frames received are filtered: only UI
// frames with the configured PID, addressed to the destination or to the
// callsign, reach Receive; the rest are counted and ignored. The driver
// paces frames by their airtime (KISS has no flow control), keeps the
// operator's airtime limit, and reconnects with exponential backoff when
// the device disappears or the TCP connection drops, reporting each
// transition as a radio.StateEvent.
package tnc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/kiss"
	"github.com/altnet/altnet/radio"
)

// Heard is one data frame as the TNC delivered it, for monitors.
type Heard struct {
	Time time.Time
	// Raw is the AX.25 frame without FCS.
	Raw []byte
	// Frame is Raw decoded; zero when Err is set.
	Frame ax25.Frame
	// Err says why Raw is not a valid AX.25 frame.
	Err error
}

// ErrNotConnected is returned by Send while the link to the TNC is down.
var ErrNotConnected = errors.New("tnc: not connected to the TNC")

// Driver is a KISS TNC as a radio.Driver. It is safe for concurrent use.
type Driver struct {
	s      settings
	dialer Dialer
	note   *radio.Notifier
	rx     chan radio.Frame
	stats  counters

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	mu       sync.Mutex
	conn     io.ReadWriteCloser // nil while down
	upCh     chan struct{}      // closed while up
	dec      *kiss.Decoder      // the current connection's, for Stats
	ledger   *radio.Ledger
	txFreeAt time.Time // the end of the last frame's estimated airtime

	wmu sync.Mutex // serialises writes to conn
}

var _ radio.Driver = (*Driver)(nil)

// Open checks cfg and starts a driver that connects through d in the
// background (and again whenever the link drops). It returns at once; use
// WaitUp or Events to learn when the link is up.
func Open(d Dialer, cfg Config) (*Driver, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	drv := &Driver{
		s: s, dialer: d,
		note: radio.NewNotifier(s.Name),
		rx:   make(chan radio.Frame, s.RxQueue),
		done: make(chan struct{}),
		upCh: make(chan struct{}),
	}
	if s.ledger {
		drv.ledger = radio.NewLedger(s.AirtimeWindow, s.AirtimeAllowed)
	}
	drv.ctx, drv.cancel = context.WithCancel(context.Background())
	go drv.run()
	return drv, nil
}

// Name implements radio.Driver.
func (d *Driver) Name() string { return d.s.Name }

// Capabilities implements radio.Driver: the MTU is PACLEN and the bit rate
// the channel's. Without a callsign the driver is receive-only.
func (d *Driver) Capabilities() radio.Capabilities {
	dir := radio.TwoWay
	if !d.s.hasSrc {
		dir = radio.ReceiveOnly
	}
	return radio.Capabilities{Direction: dir, MTU: d.s.PACLEN, BitRate: d.s.BitRate}
}

// Airtime implements radio.Driver: the key-up time of a frame with n
// octets of payload (TXDELAY, flags, addresses, FCS, worst-case bit
// stuffing, TXTAIL). It does not include the channel-access wait.
func (d *Driver) Airtime(n int) time.Duration {
	return d.s.timing.WorstAirtime(d.s.headerLen() + n)
}

// Budget implements radio.Driver.
func (d *Driver) Budget() radio.Budget {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ledger == nil {
		return radio.Budget{}
	}
	return radio.Budget{Limited: true, Window: d.ledger.Window(), Allowed: d.ledger.Allowed(),
		Used: d.ledger.Used(d.s.Clock.Now())}
}

// State implements radio.Driver.
func (d *Driver) State() radio.State { return d.note.State() }

// Events implements radio.Driver.
func (d *Driver) Events() <-chan radio.StateEvent { return d.note.Events() }

// Err returns why the link last failed, or nil.
func (d *Driver) Err() error { return d.note.Err() }

// WaitUp blocks until the link to the TNC is up, ctx is done or the driver
// is closed.
func (d *Driver) WaitUp(ctx context.Context) error {
	d.mu.Lock()
	up := d.upCh
	d.mu.Unlock()
	select {
	case <-up:
		return nil
	case <-ctx.Done():
		if err := d.Err(); err != nil {
			return fmt.Errorf("tnc: %s: %w (last error: %w)", d.dialer, ctx.Err(), err)
		}
		return fmt.Errorf("tnc: %s: %w", d.dialer, ctx.Err())
	case <-d.done:
		return radio.ErrClosed
	}
}

// Receive implements radio.Driver.
func (d *Driver) Receive(ctx context.Context) (radio.Frame, error) {
	return radio.ReceiveFrom(ctx, d.rx, d.done)
}

// Close implements radio.Driver: it stops reconnecting, closes the link
// (a serial port waits out its read timeout) and waits for the receive
// goroutine.
func (d *Driver) Close() error {
	d.once.Do(func() {
		d.mu.Lock()
		d.cancel()
		c := d.conn
		d.mu.Unlock()
		if c != nil {
			c.Close()
		}
		<-d.done
		d.note.Set(radio.Disabled, nil, d.s.Clock.Now())
	})
	return nil
}
