package tnc

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/kiss"
	"github.com/altnet/altnet/radio"
)

// run keeps the link up until the driver closes: connect, read until the
// link fails, wait, reconnect.
func (d *Driver) run() {
	defer close(d.done)
	backoff := d.s.MinBackoff
	for {
		d.note.Set(radio.Starting, nil, d.s.Clock.Now())
		upFor, err := d.session()
		if d.ctx.Err() != nil {
			return
		}
		if upFor >= d.s.MaxBackoff {
			// A link that held for a while starts the backoff afresh.
			backoff = d.s.MinBackoff
		}
		d.s.Logger.Warn("tnc: link down", "driver", d.s.Name, "link", d.dialer.String(), "err", err, "retry", backoff)
		d.note.Set(radio.Failed, err, d.s.Clock.Now())
		if d.sleep(d.ctx, backoff) != nil {
			return
		}
		backoff = min(2*backoff, d.s.MaxBackoff)
	}
}

// session dials, configures the TNC and reads frames until the link
// fails. It returns how long the link was up and why it ended.
func (d *Driver) session() (time.Duration, error) {
	conn, err := d.dialer.Dial(d.ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	dec := kiss.NewDecoder(conn, ax25.MaxFrameLen)
	if !d.attach(conn, dec) {
		return 0, d.ctx.Err()
	}
	defer d.detach(dec)
	if p := d.s.Params; p != nil {
		if err := d.writeConn(p.frames(d.s.Port)); err != nil {
			return 0, fmt.Errorf("tnc: set parameters: %w", err)
		}
	}
	d.s.Logger.Info("tnc: link up", "driver", d.s.Name, "link", d.dialer.String())
	d.markUp()
	d.note.Set(radio.Up, nil, d.s.Clock.Now())
	upAt := d.s.Clock.Now()
	err = d.readLoop(dec)
	return d.s.Clock.Since(upAt), err
}

// attach makes conn the current link unless the driver is closing.
func (d *Driver) attach(conn io.ReadWriteCloser, dec *kiss.Decoder) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx.Err() != nil {
		return false
	}
	d.conn, d.dec = conn, dec
	return true
}

// markUp lets WaitUp return: the link is attached and configured.
func (d *Driver) markUp() {
	d.mu.Lock()
	defer d.mu.Unlock()
	close(d.upCh)
}

// detach forgets the current link and keeps its decoder's counters.
func (d *Driver) detach(dec *kiss.Decoder) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.conn, d.dec = nil, nil
	select {
	case <-d.upCh:
		d.upCh = make(chan struct{})
		if d.ctx.Err() == nil {
			d.stats.drops.Add(1)
		}
	default:
	}
	d.stats.addKISS(dec.Stats())
}

// readLoop hands every frame to handle until the link fails.
func (d *Driver) readLoop(dec *kiss.Decoder) error {
	for {
		f, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("tnc: %s closed the link: %w", d.dialer, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return err
		}
		d.handle(f)
	}
}

// handle filters one KISS frame and queues it for Receive if it is ours.
func (d *Driver) handle(k kiss.Frame) {
	if k.Command != kiss.Data || k.Port != d.s.Port {
		d.stats.otherKISS.Add(1)
		return
	}
	now := d.s.Clock.Now()
	f, err := ax25.Decode(k.Data)
	if d.s.Monitor != nil {
		d.s.Monitor(Heard{Time: now, Raw: k.Data, Frame: f, Err: err})
	}
	if c := d.classify(&f, err); c != nil {
		c.Add(1)
		return
	}
	d.stats.received.Add(1)
	fr := radio.Frame{Driver: d.s.Name, Payload: f.Info, Time: now}
	for {
		select {
		case d.rx <- fr:
			return
		default:
		}
		select {
		case <-d.rx:
			d.stats.overrun.Add(1)
		default:
		}
	}
}

// classify returns the counter of the reason to ignore f, or nil if f is
// for us.
func (d *Driver) classify(f *ax25.Frame, err error) *atomic.Int64 {
	switch {
	case err != nil:
		return &d.stats.malformed
	case !f.IsUI():
		return &d.stats.notUI
	case f.PID != d.s.PID:
		return &d.stats.otherPID
	case !f.Dst.Equal(d.s.dst) && !(d.s.hasSrc && f.Dst.Equal(d.s.src)):
		return &d.stats.otherDest
	case d.s.hasSrc && f.Src.Equal(d.s.src):
		return &d.stats.own
	}
	return nil
}
