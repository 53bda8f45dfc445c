package lora

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/radio"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// Errors callers branch on.
var (
	// ErrNoCallsign refuses a transmission on an amateur plan without the
	// operator's callsign.
	ErrNoCallsign = errors.New("lora: amateur plan: set the operator's callsign (Opts.Callsign) before transmitting")
	// ErrChannelBusy is returned by Send with ListenBeforeTalk when channel
	// activity detection hears another station.
	ErrChannelBusy = errors.New("lora: channel busy (listen before talk)")
	// ErrEmpty refuses an empty payload.
	ErrEmpty = errors.New("lora: empty payload")
	// ErrTxTimeout reports a transmission whose TxDone never came within
	// 1.5 times its time on air.
	ErrTxTimeout = errors.New("lora: no TxDone within 1.5x the time on air")
	// ErrChip reports a chip that does not answer as an SX127x.
	ErrChip = errors.New("lora: SX127x not found")
)

// SPI parameters of the SX127x (datasheet section 4.3, table 7): mode 0,
// MSB first, at most 10 MHz.
const (
	SPIMode      = spi.Mode0
	SPIMaxSpeed  = 10 * physic.MegaHertz
	spiWordWidth = 8
)

// Dev is an SX127x LoRa radio. It implements radio.Driver. One goroutine
// owns the chip after New returns; every method is safe for concurrent use.
type Dev struct {
	opts   Opts
	cfg    config
	regs   regs
	reset  gpio.PinOut
	dio    []gpio.PinIn
	clk    clock.Clock
	log    *slog.Logger
	state  *radio.Notifier
	budget *budget

	reqs  chan *request
	rx    chan radio.Frame
	edges chan struct{}

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	done      chan struct{} // closed when the owner goroutine has stopped
	closeOnce sync.Once

	stats counters
}

var _ radio.Driver = (*Dev)(nil)

// Stats are the driver's counters since New.
type Stats struct {
	Sent        uint64 // frames transmitted (TxDone seen)
	Received    uint64 // frames delivered to Receive
	CRCErrors   uint64 // frames dropped for a payload CRC error
	NoCRC       uint64 // frames dropped because they carried no CRC while Modem.CRC is on
	Overflows   uint64 // received frames dropped because nobody called Receive
	TxTimeouts  uint64 // transmissions without TxDone
	LateTxDone  uint64 // TxDone found only after a second wait
	ChannelBusy uint64 // sends refused by listen before talk
	Reinits     uint64 // times the chip was found reset and configured again
}

type counters struct {
	sent, received, crcErrors, noCRC, overflows, txTimeouts, lateTxDone, busy, reinits atomic.Uint64
}

// New resets the chip, checks it is an SX127x and configures it. port must
// be the chip's SPI port (New calls Connect at 10 MHz, mode 0), reset its
// NRESET line and dio0 its DIO0 line. Options are checked before any pin or
// register is touched. The receiver runs continuously unless the driver is
// transmit-only.
func New(port spi.Port, reset gpio.PinOut, dio0 gpio.PinIn, opts *Opts) (*Dev, error) {
	if opts == nil {
		return nil, errors.New("lora: nil Opts: Frequency, Modem and Plan are required")
	}
	if port == nil || reset == nil || dio0 == nil {
		return nil, errors.New("lora: SPI port, RESET and DIO0 are all required")
	}
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	d := &Dev{opts: o, cfg: newConfig(o), reset: reset, dio: []gpio.PinIn{dio0},
		clk: o.Clock, log: o.Logger.With("driver", o.Name), state: radio.NewNotifier(o.Name),
		reqs: make(chan *request), rx: make(chan radio.Frame, o.RxQueue),
		edges: make(chan struct{}, 1), done: make(chan struct{})}
	if o.DIO1 != nil {
		d.dio = append(d.dio, o.DIO1)
	}
	d.budget = newBudget(o.Name, nil, 0)
	if o.Direction.CanSend() {
		sb, _ := o.Plan.SubBandFor(o.Frequency, o.Modem.Bandwidth) // validated
		d.budget = newBudget(o.Name, o.Plan, sb)
		if o.Plan.Amateur && o.Callsign == "" {
			d.log.Warn("lora: amateur plan without a callsign: the driver will refuse to transmit", "plan", o.Plan.Name)
		}
	}
	d.state.Set(radio.Starting, nil, d.clk.Now())
	conn, err := port.Connect(SPIMaxSpeed, SPIMode, spiWordWidth)
	if err != nil {
		err = fmt.Errorf("lora: connect SPI at %s mode 0: %w (is SPI enabled, e.g. dtparam=spi=on?)", SPIMaxSpeed, err)
		d.state.Set(radio.Failed, err, d.clk.Now())
		return nil, err
	}
	d.regs.conn = conn
	if err := d.start(); err != nil {
		d.state.Set(radio.Failed, err, d.clk.Now())
		return nil, err
	}
	return d, nil
}

// start brings the chip up and starts the goroutines.
func (d *Dev) start() error {
	for _, p := range d.dio {
		if err := p.In(gpio.PullDown, gpio.RisingEdge); err != nil {
			return fmt.Errorf("lora: DIO %s as rising-edge input: %w", p, err)
		}
	}
	if err := d.resetChip(); err != nil {
		return err
	}
	if err := d.checkVersion(); err != nil {
		return err
	}
	if err := d.configure(); err != nil {
		return err
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	for _, p := range d.dio {
		d.wg.Add(1)
		go d.watch(p)
	}
	d.wg.Add(1)
	go d.own()
	d.state.Set(radio.Up, nil, d.clk.Now())
	return nil
}

// resetChip pulses NRESET: low for 1 ms (at least 100 µs), then 10 ms
// before the first access (at least 5 ms; datasheet section 7.2.2).
func (d *Dev) resetChip() error {
	if err := d.reset.Out(gpio.Low); err != nil {
		return fmt.Errorf("lora: RESET %s low: %w", d.reset, err)
	}
	d.clk.Sleep(time.Millisecond)
	if err := d.reset.Out(gpio.High); err != nil {
		return fmt.Errorf("lora: RESET %s high: %w", d.reset, err)
	}
	d.clk.Sleep(10 * time.Millisecond)
	return nil
}

// checkVersion reads RegVersion (0x42): 0x12 on the SX1276/77/78/79, 0x11
// or 0x13 on some RFM9x modules.
func (d *Dev) checkVersion() error {
	v, err := d.regs.read1(regVersion)
	if err != nil {
		return err
	}
	if !slices.Contains(knownVersions[:], v) {
		return fmt.Errorf("%w: RegVersion (0x42) reads 0x%02X, want 0x12: check the wiring (MISO, MOSI, SCK, "+
			"NSS on the chip select the board profile names, RESET), that SPI is enabled (dtparam=spi=on) "+
			"and that the module is powered (3.3 V)", ErrChip, v)
	}
	return nil
}

// configure puts the chip in LoRa mode and writes every setting, then
// starts the receiver. Used by New and after the chip was found reset.
func (d *Dev) configure() error {
	c := &d.cfg
	cur, err := d.regs.read1(regOpMode)
	if err != nil {
		return err
	}
	steps := []struct {
		r reg
		v []byte
	}{
		// Section 4.1.3: LongRangeMode can change only in Sleep, so
		// enter Sleep in the current modem (FSK after a reset) first.
		{regOpMode, []byte{cur&opLoRa | c.opMode&opLowFrequency | modeSleep}},
		{regOpMode, []byte{c.opMode | modeSleep}},
		// Sleep: the configuration registers are accessible.
		{regFrfMsb, c.rf[:]},              // 4.1.4 Frf; 5.4 PaConfig, PaRamp, Ocp; 5.5 Lna
		{regFifoAddrPtr, []byte{0, 0, 0}}, // 4.1.2.3: FifoAddrPtr, FifoTxBaseAddr, FifoRxBaseAddr: whole FIFO
		{regIrqFlagsMask, []byte{0x00}},   // no IRQ masked
		{regModemConfig1, c.modem[:]},     // 4.1.1: Bw, CR, header, SF, CRC, preamble, lengths
		{regModemConfig3, []byte{c.modem3}},
		{regDetectOptimize, c.detect[:1]}, // 4.1.1.2: SF6 detection settings
		{regDetectionThresh, c.detect[1:]},
		{regSyncWord, []byte{c.sync}},
		{regPaDac, []byte{c.paDac}}, // 5.4.3: +20 dBm option
		{regOpMode, []byte{c.opMode | modeStandby}},
	}
	for _, s := range steps {
		if err := d.regs.write(s.r, s.v...); err != nil {
			return err
		}
	}
	mode, err := d.regs.read1(regOpMode)
	if err != nil {
		return err
	}
	if mode != c.opMode|modeStandby {
		return fmt.Errorf("%w: RegOpMode reads 0x%02X after switching to LoRa Standby, want 0x%02X", ErrChip, mode, c.opMode|modeStandby)
	}
	return d.idle()
}

// idle returns the chip to its resting state: receiving continuously, or
// Standby for a transmit-only driver.
func (d *Dev) idle() error {
	if !d.opts.Direction.CanReceive() {
		return d.regs.write(regOpMode, d.cfg.opMode|modeStandby)
	}
	if err := d.regs.write(regDioMapping1, dioRxDone); err != nil {
		return err
	}
	return d.regs.write(regOpMode, d.cfg.opMode|modeRXContinuous)
}

// Close stops the driver and puts the chip to Sleep. It is idempotent and
// returns within about one EdgeWait.
func (d *Dev) Close() error {
	d.closeOnce.Do(func() {
		d.cancel()
		d.wg.Wait()
		d.state.Set(radio.Disabled, nil, d.clk.Now())
	})
	return nil
}

// Name returns the driver's name.
func (d *Dev) Name() string { return d.opts.Name }

// Capabilities reports the direction, the largest frame and the nominal
// bit rate SF * BW / 2^SF * 4 / (4 + CR).
func (d *Dev) Capabilities() radio.Capabilities {
	m := d.opts.Modem
	mtu := maxPayload
	if m.ImplicitHeader {
		mtu = d.opts.PayloadLength
	}
	b := bandwidths[m.Bandwidth]
	rate := uint64(m.SF) * b.num * 4 / (b.den << m.SF * uint64(4+m.CodingRate))
	return radio.Capabilities{Direction: d.opts.Direction, MTU: mtu, BitRate: int(rate)}
}

// Budget reports the duty-cycle allowance of the sub-band in use.
func (d *Dev) Budget() radio.Budget { return d.budget.state(d.clk.Now()) }

// Airtime returns the time on air of a frame of n payload bytes.
func (d *Dev) Airtime(n int) time.Duration { return d.opts.Modem.Airtime(n) }

// State reports the driver's state.
func (d *Dev) State() radio.State { return d.state.State() }

// Events returns the driver's state changes.
func (d *Dev) Events() <-chan radio.StateEvent { return d.state.Events() }

// Callsign returns the operator's callsign ("" when none), for the link
// layer to identify the station on amateur plans.
func (d *Dev) Callsign() string { return d.opts.Callsign }

// Stats returns the driver's counters.
func (d *Dev) Stats() Stats {
	s := &d.stats
	return Stats{Sent: s.sent.Load(), Received: s.received.Load(), CRCErrors: s.crcErrors.Load(),
		NoCRC: s.noCRC.Load(), Overflows: s.overflows.Load(), TxTimeouts: s.txTimeouts.Load(), LateTxDone: s.lateTxDone.Load(),
		ChannelBusy: s.busy.Load(), Reinits: s.reinits.Load()}
}
