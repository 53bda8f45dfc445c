package sx127xsim

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/radio/medium"
	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// Variant is the chip's part number; it decides the frequency range and
// spreading factors the datasheet specifies (table 1).
type Variant uint8

// Variants of the family.
const (
	SX1276 Variant = iota // 137-1020 MHz, SF6-SF12
	SX1277                // 137-1020 MHz, SF6-SF9
	SX1278                // 137-525 MHz, SF6-SF12
	SX1279                // 137-960 MHz, SF6-SF12
)

func (v Variant) String() string {
	if v > SX1279 {
		return fmt.Sprintf("Variant(%d)", uint8(v))
	}
	return [...]string{"SX1276", "SX1277", "SX1278", "SX1279"}[v]
}

// maxHz returns the variant's highest frequency.
func (v Variant) maxHz() int64 {
	return [...]int64{1020e6, 1020e6, 525e6, 960e6}[v]
}

// maxSF returns the variant's highest spreading factor.
func (v Variant) maxSF() uint8 {
	if v == SX1277 {
		return 9
	}
	return 12
}

// Opts configure a Chip. The zero value is an SX1276 that reads version
// 0x12.
type Opts struct {
	Variant Variant
	// Version is what RegVersion reads; 0 means 0x12 (RFM9x modules may
	// read 0x11 or 0x13; a missing chip reads 0x00).
	Version byte
	// Logger receives a debug line per mode change and a warning per
	// violation; discarded when nil.
	Logger *slog.Logger
}

// Chip is one simulated SX127x on a medium. It is safe for concurrent use.
type Chip struct {
	name string
	opts Opts
	clk  clock.Clock
	log  *slog.Logger
	node *medium.Node
	dio  [2]*gpiotest.Pin

	mu         sync.Mutex
	connected  bool
	closed     bool
	inReset    bool
	resetSince time.Time
	readyAt    time.Time
	regs       [0x80]byte
	fifo       [256]byte
	rxPtr      byte           // where the receiver writes the next packet
	gen        uint64         // bumped on every mode change; timers check it
	txEnd      time.Time      // end of the transmission in progress
	channel    medium.Channel // channel taken at the last TX/RX/CAD start
	violations []Violation
	accesses   int
	txs        []Transmission
	stats      Stats
}

// Transmission is one frame the chip put on the air.
type Transmission struct {
	Start   time.Time
	Airtime time.Duration
	Channel medium.Channel
	Payload []byte
	// PowerDBm is the output power the PA registers select (section 5.4).
	PowerDBm float64
}

// Stats counts what the receiver did with frames the medium delivered.
type Stats struct {
	Received         int // RxDone with a good or absent CRC
	CRCErrors        int // RxDone with PayloadCrcError
	HeaderErrors     int // explicit headers that failed their check (no IRQ)
	BelowSensitivity int // frames under the demodulator's SNR floor
	NotReceiving     int // frames that arrived while the modem was not in RX
}

var (
	_ spi.PortCloser = (*Chip)(nil)
	_ gpio.PinOut    = (*resetPin)(nil)
)

// New attaches a chip named name to air and returns it powered on, in
// reset state (FSK mode, Standby). The chip uses air's clock; its DIO pins
// are gpiotest.Pins whose edge channels are made here, so call New inside
// a testing/synctest bubble when the test runs in one.
func New(air *medium.Medium, name string, o *Opts) (*Chip, error) {
	if air == nil {
		return nil, errors.New("sx127xsim: nil medium")
	}
	c := &Chip{name: name, clk: air.Clock()}
	if o != nil {
		c.opts = *o
	}
	if c.opts.Variant > SX1279 {
		return nil, fmt.Errorf("sx127xsim: unknown variant %d", c.opts.Variant)
	}
	if c.opts.Version == 0 {
		c.opts.Version = 0x12
	}
	c.log = c.opts.Logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for i := range c.dio {
		c.dio[i] = &gpiotest.Pin{N: fmt.Sprintf("%s-DIO%d", name, i), Num: -1,
			Clock: c.clk, EdgesChan: make(chan gpio.Level, 16)}
	}
	node, err := air.Attach(name, c.deliver)
	if err != nil {
		return nil, fmt.Errorf("sx127xsim: %w", err)
	}
	c.node = node
	c.mu.Lock()
	c.resetRegisters()
	// Power-on reset: the chip answers 10 ms after power-on (section 7.2.1).
	c.readyAt = c.clk.Now().Add(10 * time.Millisecond)
	c.mu.Unlock()
	return c, nil
}

// Reset returns the chip's NRESET input.
func (c *Chip) Reset() gpio.PinOut { return &resetPin{c} }

// DIO0 returns the chip's DIO0 output.
func (c *Chip) DIO0() *gpiotest.Pin { return c.dio[0] }

// DIO1 returns the chip's DIO1 output.
func (c *Chip) DIO1() *gpiotest.Pin { return c.dio[1] }

// Violations returns every forbidden or undefined access so far.
func (c *Chip) Violations() []Violation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Violation(nil), c.violations...)
}

// Transmissions returns every frame the chip has transmitted.
func (c *Chip) Transmissions() []Transmission {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Transmission(nil), c.txs...)
}

// Accesses returns the number of SPI transactions so far.
func (c *Chip) Accesses() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.accesses
}

// Stats returns the receiver's counters.
func (c *Chip) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Register returns the current value of a register without the side
// effects of an SPI read (for tests).
func (c *Chip) Register(addr byte) byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.regs[addr&0x7F]
}

// Mode returns the operating mode's name ("SLEEP", "STDBY", "TX", ...) and
// whether the chip is in LoRa mode.
func (c *Chip) Mode() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return modeNames[c.mode()], c.regs[regOpMode]&opLongRangeMode != 0
}

// PowerCycle simulates a brown-out: every register returns to its reset
// value at once, as after power-on.
func (c *Chip) PowerCycle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetRegisters()
	c.readyAt = c.clk.Now().Add(10 * time.Millisecond)
}

func (c *Chip) String() string { return "sx127xsim(" + c.name + ")" }

// LimitSpeed implements spi.PortCloser; the speed must be the chip's.
func (c *Chip) LimitSpeed(f physic.Frequency) error {
	if f <= 0 || f > 10*physic.MegaHertz {
		c.violate("spi-config", "LimitSpeed(%s): the SX127x SPI runs at up to 10 MHz", f)
		return fmt.Errorf("sx127xsim: speed %s out of range", f)
	}
	return nil
}

// Connect implements spi.Port: mode 0, 8 bits per word, at most 10 MHz
// (datasheet section 4.3 and table 7), and only once.
func (c *Chip) Connect(f physic.Frequency, mode spi.Mode, bits int) (spi.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.connected:
		c.violateLocked("spi-config", "Connect called twice")
		return nil, errors.New("sx127xsim: Connect cannot be called twice")
	case mode != spi.Mode0 || bits != 8 || f <= 0 || f > 10*physic.MegaHertz:
		c.violateLocked("spi-config", "Connect(%s, %s, %d): want mode 0, 8 bits, at most 10 MHz", f, mode, bits)
		return nil, fmt.Errorf("sx127xsim: Connect(%s, %s, %d): want Mode0, 8 bits, <= 10MHz", f, mode, bits)
	}
	c.connected = true
	return &spiConn{c}, nil
}

// Close implements spi.PortCloser. It is idempotent.
func (c *Chip) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

type spiConn struct{ c *Chip }

func (s *spiConn) String() string       { return s.c.String() }
func (s *spiConn) Duplex() conn.Duplex  { return conn.Full }
func (s *spiConn) Tx(w, r []byte) error { return s.c.transfer(w, r) }
func (s *spiConn) TxPackets([]spi.Packet) error {
	return errors.New("sx127xsim: TxPackets is not supported; use Tx")
}

// resetPin is NRESET: low holds the chip in reset; the rising edge ends
// the reset (section 7.2.2).
type resetPin struct{ c *Chip }

func (p *resetPin) String() string   { return p.c.name + "-NRESET" }
func (p *resetPin) Halt() error      { return nil }
func (p *resetPin) Name() string     { return p.String() }
func (p *resetPin) Number() int      { return -1 }
func (p *resetPin) Function() string { return "Out" }
func (p *resetPin) PWM(gpio.Duty, physic.Frequency) error {
	return errors.New("sx127xsim: NRESET has no PWM")
}

func (p *resetPin) Out(l gpio.Level) error {
	c := p.c
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clk.Now()
	switch {
	case l == gpio.Low && !c.inReset:
		c.inReset, c.resetSince = true, now
		c.resetRegisters()
	case l == gpio.High && c.inReset:
		c.inReset = false
		if d := now.Sub(c.resetSince); d < 100*time.Microsecond {
			c.violateLocked("reset-pulse", "NRESET low for %v; the datasheet asks for at least 100 µs", d)
		}
		c.resetRegisters()
		c.readyAt = now.Add(5 * time.Millisecond)
	}
	return nil
}

// resetRegisters puts every register, the FIFO and the mode machine back to
// their reset state. Called with c.mu held.
func (c *Chip) resetRegisters() {
	for a := range c.regs {
		c.regs[a] = regMap[a].reset
	}
	c.regs[regVersion] = c.opts.Version
	c.fifo = [256]byte{}
	c.rxPtr = 0
	c.gen++
	c.txEnd = time.Time{}
	if c.node != nil {
		c.node.Standby()
	}
	c.setDIO()
}
