// Package sim builds simulated worlds: a simulated air (radio/medium) on a
// clock, with radios on it that are the real drivers on simulated hardware.
//
// A LoRa radio is the lora package's SX127x driver talking SPI to the
// register-level chip model of lora/sx127xsim; an AX.25 radio is the
// ax25/tnc KISS driver talking to the simulated TNC of ax25/simtnc. Both
// return radio.Driver values that a gateway uses exactly as on a board, so
// the simulator and the end-to-end tests exercise the code that runs on a
// Pi, down to the register writes and the KISS bytes. Links between radios
// are directional (a one-way link is a link in one direction only) and
// carry loss, bit errors and a link budget.
//
//	w := sim.NewWorld(clk, seed, nil)
//	defer w.Close()
//	up, _ := w.LoRa("uplink", sim.LoRaOptions{})
//	rx, _ := w.LoRa("rx", sim.LoRaOptions{ReceiveOnly: true})
//	w.Link("uplink", "rx", medium.Link{Loss: 0.2, RSSI: -112, SNR: -4})
//
// Time is the world's clock: inside a testing/synctest bubble (the real
// clock, shifted with clock.StartingAt if the chain's timestamps matter),
// hours of radio traffic take milliseconds; outside, clock.Scaled runs the
// world faster than the wall clock (keep the factor at or below about 100:
// the LoRa driver's TxDone deadline is a host timer there).
package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/altnet/altnet/ax25/simtnc"
	"github.com/altnet/altnet/ax25/tnc"
	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/lora/sx127xsim"
	"github.com/altnet/altnet/radio/medium"
)

// World is a simulated air with the radios attached to it. Its methods are
// safe for concurrent use.
type World struct {
	air  *medium.Medium
	clk  clock.Clock
	seed uint64
	log  *slog.Logger

	mu     sync.Mutex
	radios map[string]*Radio
	order  []string
	closed bool
}

// Kind says what hardware a simulated radio is.
type Kind string

// Kinds of radio.
const (
	KindLoRa Kind = "lora" // an SX127x driven over SPI by package lora
	KindAX25 Kind = "ax25" // a KISS TNC driven by package ax25/tnc
)

// Radio is one simulated radio: the driver and the simulated hardware
// under it.
type Radio struct {
	Name string
	Kind Kind
	// Description says what the radio is tuned to, for people.
	Description string
	// LoRa and Chip are set for a LoRa radio, TNC and SimTNC for an
	// AX.25 one.
	LoRa   *lora.Dev
	Chip   *sx127xsim.Chip
	TNC    *tnc.Driver
	SimTNC *simtnc.TNC
}

// ErrClosed is returned when radios are added to a closed world.
var ErrClosed = errors.New("sim: world closed")

// NewWorld returns an empty world on clk (the real clock when nil). seed
// makes the medium's losses and bit errors and the TNCs' channel access
// reproducible. logger receives the drivers' and the medium's logs
// (discarded when nil).
func NewWorld(clk clock.Clock, seed uint64, logger *slog.Logger) *World {
	clk = clock.OrReal(clk)
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &World{
		air:    medium.New(medium.Options{Clock: clk, Seed: seed, Logger: logger.With("sim", "medium")}),
		clk:    clk,
		seed:   seed,
		log:    logger,
		radios: make(map[string]*Radio),
	}
}

// Clock returns the world's clock.
func (w *World) Clock() clock.Clock { return w.clk }

// Medium returns the simulated air.
func (w *World) Medium() *medium.Medium { return w.air }

// Link sets the link from one radio to another (one direction): what to
// hears of from. Calling it again replaces the link.
func (w *World) Link(from, to string, l medium.Link) { w.air.Connect(from, to, l) }

// LinkBoth sets the same link in both directions.
func (w *World) LinkBoth(a, b string, l medium.Link) { w.air.ConnectBoth(a, b, l) }

// Unlink removes the link from one radio to another.
func (w *World) Unlink(from, to string) { w.air.Disconnect(from, to) }

// Stats returns the medium's counters of the named radio: frames sent,
// received, lost, corrupted, collided and missed.
func (w *World) Stats(name string) medium.Stats { return w.air.Stats(name) }

// Radio returns the named radio.
func (w *World) Radio(name string) (*Radio, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.radios[name]
	return r, ok
}

// Radios returns every radio in the order they were added.
func (w *World) Radios() []*Radio {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]*Radio, 0, len(w.order))
	for _, n := range w.order {
		out = append(out, w.radios[n])
	}
	return out
}

// add records a new radio; it fails when the world is closed or the name
// is taken (the medium refuses a second node of one name too).
func (w *World) add(r *Radio) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if _, ok := w.radios[r.Name]; ok {
		return fmt.Errorf("sim: radio %q: %w", r.Name, medium.ErrNameTaken)
	}
	w.radios[r.Name] = r
	w.order = append(w.order, r.Name)
	return nil
}

// Violations returns the datasheet rules the LoRa drivers broke on their
// chip models, prefixed with the chip's name; empty when all is well.
func (w *World) Violations() []string {
	var out []string
	for _, r := range w.Radios() {
		if r.Chip == nil {
			continue
		}
		for _, v := range r.Chip.Violations() {
			out = append(out, fmt.Sprintf("%s: %v", r.Name, v))
		}
	}
	return out
}

// Close closes every driver and its simulated hardware, newest first, and
// waits for their goroutines. It is idempotent; radios cannot be added
// afterwards.
func (w *World) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	order := slices.Clone(w.order)
	w.mu.Unlock()
	slices.Reverse(order)
	var errs []error
	for _, n := range order {
		r, _ := w.Radio(n)
		errs = append(errs, r.close())
	}
	return errors.Join(errs...)
}

// close stops the radio's driver, then its hardware.
func (r *Radio) close() error {
	var errs []error
	if r.LoRa != nil {
		errs = append(errs, r.LoRa.Close())
	}
	if r.Chip != nil {
		errs = append(errs, r.Chip.Close())
	}
	if r.TNC != nil {
		errs = append(errs, r.TNC.Close())
	}
	if r.SimTNC != nil {
		errs = append(errs, r.SimTNC.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sim: close %s: %w", r.Name, err)
	}
	return nil
}
