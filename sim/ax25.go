package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/simtnc"
	"github.com/altnet/altnet/ax25/tnc"
	"github.com/altnet/altnet/radio/medium"
)

// DefaultAX25Frequency is the channel of a simulated AX.25 radio: a 2 m
// packet frequency away from the APRS calling channels (the simulator
// transmits nothing, but its examples should not teach people to put
// AltNet traffic on 144.800 or 144.390 MHz).
const DefaultAX25Frequency = 144_850_000

// AX25Options configure a simulated AX.25 radio: a simulated KISS TNC and
// the real tnc driver on it.
type AX25Options struct {
	// Callsign is the operator's callsign, carried by every frame sent;
	// without one the radio only receives.
	Callsign string
	// Frequency is the channel in hertz (DefaultAX25Frequency when zero),
	// and FSK9600 selects 9600 baud G3RUH instead of 1200 baud AFSK; both
	// ends of a link must share them.
	Frequency int64
	FSK9600   bool
	// AirtimeAllowed per AirtimeWindow (one hour when zero) is the
	// operator's airtime limit; zero means none.
	AirtimeAllowed time.Duration
	AirtimeWindow  time.Duration
	// PACLEN is the largest information field (tnc.DefaultPACLEN when
	// zero).
	PACLEN int
}

// AX25 attaches a simulated KISS TNC named name to the world and returns
// the real KISS driver connected to it. The link to the TNC is up when
// AX25 returns (or ctx ends first); Close closes both.
func (w *World) AX25(ctx context.Context, name string, o AX25Options) (*tnc.Driver, error) {
	ch := medium.Channel{Frequency: o.Frequency, Modulation: simtnc.AFSK1200}
	rate := ax25.Rate1200
	if ch.Frequency == 0 {
		ch.Frequency = DefaultAX25Frequency
	}
	if o.FSK9600 {
		ch.Modulation, rate = simtnc.FSK9600, ax25.Rate9600
	}
	r := &Radio{Name: name, Kind: KindAX25}
	if err := w.add(r); err != nil {
		return nil, err
	}
	t, err := simtnc.New(w.air, simtnc.Config{Name: name, Channel: ch, Seed: w.seed ^ hashName(name),
		Logger: w.log.With("tnc", name)})
	if err != nil {
		w.remove(name)
		return nil, fmt.Errorf("sim: ax25 %s: %w", name, err)
	}
	r.SimTNC = t
	window := o.AirtimeWindow
	if window == 0 && o.AirtimeAllowed > 0 {
		window = time.Hour
	}
	d, err := tnc.Open(t, tnc.Config{Name: name, Callsign: o.Callsign, BitRate: rate, PACLEN: o.PACLEN,
		AirtimeWindow: window, AirtimeAllowed: o.AirtimeAllowed, Clock: w.clk, Logger: w.log.With("driver", name)})
	if err != nil {
		return nil, fmt.Errorf("sim: ax25 %s: %w", name, err)
	}
	r.TNC = d
	r.Description = fmt.Sprintf("AX.25 %.3f MHz %s, %s, %v", float64(ch.Frequency)/1e6, ch.Modulation, o.Callsign, d.Capabilities().Direction)
	if err := d.WaitUp(ctx); err != nil {
		return nil, fmt.Errorf("sim: ax25 %s: %w", name, err)
	}
	return d, nil
}

// hashName spreads radio names over the seed space (FNV-1a), so that two
// TNCs of one world draw different channel-access numbers.
func hashName(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
