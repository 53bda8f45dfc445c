package tnc

import (
	"context"
	"fmt"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/kiss"
	"github.com/altnet/altnet/radio"
)

// Send implements radio.Driver. It builds a UI frame from the operator's
// callsign to the destination through the configured path, waits until
// the previous frame's airtime has passed (KISS has no flow control), and
// hands the frame to the TNC. A frame that does not fit the airtime limit
// gets a *radio.BudgetError and is not sent.
func (d *Driver) Send(ctx context.Context, payload []byte) error {
	if !d.s.hasSrc {
		return fmt.Errorf("%w (%w)", ErrNoCallsign, radio.ErrReceiveOnly)
	}
	if len(payload) > d.s.PACLEN {
		return fmt.Errorf("tnc: %d octets above PACLEN %d: %w", len(payload), d.s.PACLEN, radio.ErrTooLarge)
	}
	f := ax25.NewUI(d.s.src, d.s.dst, d.s.path, d.s.PID, payload)
	raw, err := f.MarshalBinary()
	if err != nil {
		return fmt.Errorf("tnc: %w", err)
	}
	return d.write(ctx, kiss.AppendFrame(nil, d.s.Port, kiss.Data, raw), d.Airtime(len(payload)))
}

// write waits for the channel's estimated end of transmission, checks and
// books airtime, and writes frame.
func (d *Driver) write(ctx context.Context, frame []byte, airtime time.Duration) error {
	for {
		d.mu.Lock()
		conn := d.conn
		now := d.s.Clock.Now()
		pace := d.txFreeAt.Sub(now)
		if conn == nil {
			d.mu.Unlock()
			return fmt.Errorf("tnc: %s: %w", d.dialer, ErrNotConnected)
		}
		if pace <= 0 {
			if err := d.book(now, airtime); err != nil {
				d.mu.Unlock()
				return err
			}
			d.mu.Unlock()
			break
		}
		d.mu.Unlock()
		if err := d.sleep(ctx, pace); err != nil {
			return err
		}
	}
	if err := d.writeConn(frame); err != nil {
		return err
	}
	d.stats.sent.Add(1)
	return nil
}

// book checks the airtime limit and records the frame. Called with d.mu
// held.
func (d *Driver) book(now time.Time, airtime time.Duration) error {
	if d.ledger != nil {
		switch w := d.ledger.Wait(now, airtime); {
		case w < 0:
			return &radio.BudgetError{Driver: d.s.Name,
				Reason: fmt.Sprintf("frame airtime %v exceeds the allowance of %v per %v", airtime, d.ledger.Allowed(), d.ledger.Window())}
		case w > 0:
			return &radio.BudgetError{Driver: d.s.Name, Wait: w, Reason: "operator airtime limit reached"}
		}
		d.ledger.Record(now, airtime)
	}
	d.txFreeAt = now.Add(airtime)
	return nil
}

// writeConn writes b to the current link, whole.
func (d *Driver) writeConn(b []byte) error {
	d.mu.Lock()
	conn := d.conn
	d.mu.Unlock()
	if conn == nil {
		return fmt.Errorf("tnc: %s: %w", d.dialer, ErrNotConnected)
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if dl, ok := conn.(interface{ SetWriteDeadline(time.Time) error }); ok {
		// A TNC that stops reading must not hang the sender (real time:
		// the deadline is the kernel's).
		_ = dl.SetWriteDeadline(time.Now().Add(writeTimeout))
	}
	if _, err := conn.Write(b); err != nil {
		return fmt.Errorf("tnc: write to %s: %w", d.dialer, err)
	}
	return nil
}

// writeTimeout bounds one write to a TCP TNC.
const writeTimeout = 10 * time.Second

// sleep waits d on the driver's clock, or returns early with an error when
// ctx is done or the driver closes.
func (d *Driver) sleep(ctx context.Context, dur time.Duration) error {
	t := d.s.Clock.NewTimer(dur)
	defer t.Stop()
	select {
	case <-t.Chan():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-d.ctx.Done():
		return radio.ErrClosed
	}
}
