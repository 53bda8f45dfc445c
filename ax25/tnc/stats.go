package tnc

import (
	"sync/atomic"

	"github.com/altnet/altnet/ax25/kiss"
)

// Stats counts a driver's traffic since Open.
type Stats struct {
	// Sent frames handed to the TNC; Received frames returned by Receive
	// (or dropped by Overrun).
	Sent, Received int64
	// Frames ignored because they are not UI frames, carry another PID, are
	// addressed to another station, or come from our own callsign (a
	// digipeated copy).
	NotUI, OtherPID, OtherDest, Own int64
	// Malformed frames are KISS data frames that are not valid AX.25.
	Malformed int64
	// KISSOversize and KISSInvalid frames were dropped by the KISS decoder;
	// KISSSkipped counts octets outside frames.
	KISSOversize, KISSInvalid, KISSSkipped int64
	// OtherKISS counts KISS frames for other ports or that are not data.
	OtherKISS int64
	// Overrun counts received frames dropped because Receive fell behind.
	Overrun int64
	// Drops counts links that went down after coming up.
	Drops int64
}

type counters struct {
	sent, received                         atomic.Int64
	notUI, otherPID, otherDest             atomic.Int64
	own, malformed, otherKISS              atomic.Int64
	overrun, drops                         atomic.Int64
	kissOversize, kissInvalid, kissSkipped atomic.Int64
}

func (c *counters) addKISS(s *kiss.Stats) {
	c.kissOversize.Add(s.Oversize.Load())
	c.kissInvalid.Add(s.Invalid.Load())
	c.kissSkipped.Add(s.Skipped.Load())
}

// Stats returns the driver's counters.
func (d *Driver) Stats() Stats {
	c := &d.stats
	s := Stats{
		Sent: c.sent.Load(), Received: c.received.Load(),
		NotUI: c.notUI.Load(), OtherPID: c.otherPID.Load(), OtherDest: c.otherDest.Load(), Own: c.own.Load(),
		Malformed: c.malformed.Load(), OtherKISS: c.otherKISS.Load(), Overrun: c.overrun.Load(), Drops: c.drops.Load(),
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s.KISSOversize, s.KISSInvalid, s.KISSSkipped = c.kissOversize.Load(), c.kissInvalid.Load(), c.kissSkipped.Load()
	if d.dec != nil {
		k := d.dec.Stats()
		s.KISSOversize += k.Oversize.Load()
		s.KISSInvalid += k.Invalid.Load()
		s.KISSSkipped += k.Skipped.Load()
	}
	return s
}
