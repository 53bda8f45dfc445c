package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/altnet/altnet/ax25/tnc"
	"github.com/altnet/altnet/board"
	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/radio"
)

// DriverEnv is what building a driver takes besides its configuration.
type DriverEnv struct {
	// Logger receives the driver's logs (default: discard).
	Logger *slog.Logger
	// OpenBoard resolves a LoRa radio's wiring to its SPI port and GPIO
	// pins (default board.Open, the host's hardware; tests pass the chip
	// model).
	OpenBoard func(board.Profile) (*board.Radio, error)
}

// OpenDriver builds the driver of radio i of c in this process: the
// SX127x driver on the board's SPI port, or a KISS TNC over TCP or a
// serial port. A KISS driver connects in the background and reconnects
// when the link drops; a LoRa driver has talked to its chip when
// OpenDriver returns.
func OpenDriver(c config.Config, i int, env DriverEnv) (radio.Driver, error) {
	if i < 0 || i >= len(c.Radios) {
		return nil, fmt.Errorf("daemon: no radio[%d]", i)
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	if env.OpenBoard == nil {
		env.OpenBoard = board.Open
	}
	r := c.Radios[i]
	var (
		d   radio.Driver
		err error
	)
	switch r.Type {
	case config.TypeLoRa:
		d, err = openLoRa(c, i, env)
	case config.TypeKISSTCP, config.TypeKISSSerial:
		d, err = openKISS(c, r, env.Logger)
	default:
		err = fmt.Errorf("type %q is not lora, kiss-tcp or kiss-serial", r.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("daemon: radio[%d] (%s): %w", i, r.Name, err)
	}
	return d, nil
}

// direction parses a configured direction (validated by config).
func direction(s string) radio.Direction {
	switch s {
	case "transmit-only":
		return radio.TransmitOnly
	case "receive-only":
		return radio.ReceiveOnly
	}
	return radio.TwoWay
}

// profile returns the wiring of a LoRa radio: its board profile, or the
// custom pins of its section.
func profile(i int, r config.Radio) (board.Profile, error) {
	var p board.Profile
	if r.Board != "" {
		var err error
		if p, err = board.Lookup(r.Board); err != nil {
			return p, err
		}
	} else {
		p = board.Profile{Name: r.Name, Description: "custom wiring", SPI: r.SPI, ChipSelect: r.ChipSelect,
			Reset: r.Reset, DIO0: r.DIO0, DIO1: r.DIO1}
	}
	if p.Reset == "" {
		return p, fmt.Errorf("radio[%d].reset: missing: the SX127x driver resets the chip through its RESET line", i)
	}
	return p, p.Validate()
}

// loraOpts turns a LoRa section into driver options.
func loraOpts(c config.Config, r config.Radio, log *slog.Logger) (lora.Opts, error) {
	f, err := r.FrequencyHz()
	if err != nil {
		return lora.Opts{}, err
	}
	bw, err := lora.BandwidthFromKHz(r.Bandwidth)
	if err != nil {
		return lora.Opts{}, err
	}
	plan, err := lora.PlanByName(r.Plan)
	if err != nil {
		return lora.Opts{}, err
	}
	cr := map[string]lora.CodingRate{"4/5": lora.CR4_5, "4/6": lora.CR4_6, "4/7": lora.CR4_7, "4/8": lora.CR4_8}[r.CodingRate]
	o := lora.Opts{Name: r.Name, Frequency: f, SyncWord: byte(r.SyncWord), Power: r.Power, Plan: plan,
		Modem:     lora.Modem{SF: lora.SpreadingFactor(r.SF), Bandwidth: bw, CodingRate: cr, Preamble: r.Preamble, CRC: true},
		Direction: direction(r.Direction), Logger: log}
	if plan.Amateur {
		o.Callsign = strings.ToUpper(c.Callsign)
	}
	return o, nil
}

func openLoRa(c config.Config, i int, env DriverEnv) (radio.Driver, error) {
	r := c.Radios[i]
	p, err := profile(i, r)
	if err != nil {
		return nil, err
	}
	o, err := loraOpts(c, r, env.Logger)
	if err != nil {
		return nil, err
	}
	hw, err := env.OpenBoard(p)
	if err != nil {
		return nil, err
	}
	o.DIO1 = hw.DIO1
	dev, err := lora.New(hw.Port, hw.Reset, hw.DIO0, &o)
	if err != nil {
		return nil, errors.Join(err, hw.Close())
	}
	return &withHardware{Driver: dev, hw: hw}, nil
}

// withHardware is a driver that releases its board's SPI port after it
// closes.
type withHardware struct {
	radio.Driver
	hw *board.Radio
}

// Close closes the driver, then the SPI port.
func (w *withHardware) Close() error {
	return errors.Join(w.Driver.Close(), w.hw.Close())
}

// kissConfig turns a KISS section into driver settings. A radio that
// transmits carries the operator's callsign in every frame; a
// receive-only one gets none, so the driver cannot transmit.
func kissConfig(c config.Config, r config.Radio, log *slog.Logger) tnc.Config {
	tc := tnc.Config{Name: r.Name, Dest: strings.ToUpper(r.Destination), PACLEN: r.Paclen, BitRate: r.BitRate,
		Params: &tnc.Params{TXDelay: r.TXDelay.Duration, Persistence: uint8(r.Persist), SlotTime: r.SlotTime.Duration,
			TXTail: tnc.DefaultParams().TXTail},
		AirtimeWindow:  time.Hour,
		AirtimeAllowed: time.Duration(r.Airtime / 100 * float64(time.Hour)),
		Logger:         log}
	for _, v := range r.Via {
		tc.Path = append(tc.Path, strings.ToUpper(v))
	}
	if direction(r.Direction).CanSend() {
		tc.Callsign = strings.ToUpper(c.Callsign)
	}
	return tc
}

func openKISS(c config.Config, r config.Radio, log *slog.Logger) (radio.Driver, error) {
	var dial tnc.Dialer = tnc.TCP{Addr: r.Address}
	if r.Type == config.TypeKISSSerial {
		dial = tnc.Serial{Device: r.Device, Baud: r.Baud}
	}
	d, err := tnc.Open(dial, kissConfig(c, r, log))
	if err != nil {
		return nil, err
	}
	if direction(r.Direction) == radio.TransmitOnly {
		return transmitOnly{d}, nil
	}
	return d, nil
}

// transmitOnly is a two-way driver used only to transmit: it reports
// itself transmit-only, and drops what it hears.
type transmitOnly struct{ radio.Driver }

// Capabilities reports the driver's, transmit-only.
func (t transmitOnly) Capabilities() radio.Capabilities {
	c := t.Driver.Capabilities()
	c.Direction = radio.TransmitOnly
	return c
}

// Receive drops every frame and returns only when ctx ends or the driver
// closes.
func (t transmitOnly) Receive(ctx context.Context) (radio.Frame, error) {
	for {
		if _, err := t.Driver.Receive(ctx); err != nil {
			return radio.Frame{}, err
		}
	}
}

// coreLedger returns the airtime limit the core keeps for a radio whose
// driver runs in a child process, so that a restarted (or compromised)
// child cannot reset or loosen it: the LoRa plan's duty cycle on the
// radio's sub-band, or the operator's airtime limit of a KISS radio.
func coreLedger(r config.Radio) (window, allowed time.Duration) {
	if !direction(r.Direction).CanSend() {
		return 0, 0
	}
	if r.Type != config.TypeLoRa {
		return time.Hour, time.Duration(r.Airtime / 100 * float64(time.Hour))
	}
	f, err1 := r.FrequencyHz()
	bw, err2 := lora.BandwidthFromKHz(r.Bandwidth)
	plan, err3 := lora.PlanByName(r.Plan)
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, 0
	}
	sb, err := plan.SubBandFor(f, bw)
	if err != nil {
		return 0, 0
	}
	if a, ok := plan.SubBands[sb].Allowance(); ok {
		return lora.DutyWindow, a
	}
	return 0, 0
}
