package board

import (
	"errors"
	"strings"
	"testing"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

func TestBuiltInProfilesValidate(t *testing.T) {
	ps := Profiles()
	if len(ps) == 0 {
		t.Fatal("no profiles")
	}
	for i, p := range ps {
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
		if p.Source == "" || p.Description == "" {
			t.Errorf("%s: no source or description", p.Name)
		}
		if i > 0 && ps[i-1].Name >= p.Name {
			t.Errorf("profiles not sorted at %s", p.Name)
		}
		if got, err := Lookup(p.Name); err != nil || got != p {
			t.Errorf("Lookup(%q) = %v, %v", p.Name, got, err)
		}
	}
	if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), "adafruit-rfm9x-bonnet") {
		t.Errorf("Lookup of an unknown profile: %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		p    Profile
		want string
	}{
		{Profile{}, "lacks name, spi, dio0"},
		{Profile{Name: "x", SPI: "/dev/spidev0.0"}, "lacks dio0"},
		{Profile{Name: "x", SPI: "s", DIO0: "GPIO4", MaxSPI: 20 * physic.MegaHertz}, "outside 0..10MHz"},
	}
	for _, tt := range tests {
		if err := tt.p.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.p, err, tt.want)
		}
	}
}

// fakePort is an SPI port that records how it was connected and checks
// the chip select pin's level during each transaction.
type fakePort struct {
	mode    spi.Mode
	limit   physic.Frequency
	closed  bool
	cs      *gpiotest.Pin
	levels  []gpio.Level // chip select level seen by each Tx
	connErr error
}

func (f *fakePort) String() string { return "fake" }
func (f *fakePort) Close() error   { f.closed = true; return nil }
func (f *fakePort) LimitSpeed(l physic.Frequency) error {
	f.limit = l
	return nil
}
func (f *fakePort) Connect(_ physic.Frequency, m spi.Mode, _ int) (spi.Conn, error) {
	f.mode = m
	return &fakeConn{f}, f.connErr
}

type fakeConn struct{ f *fakePort }

func (c *fakeConn) String() string      { return "fake" }
func (c *fakeConn) Duplex() conn.Duplex { return conn.Full }
func (c *fakeConn) Tx(w, r []byte) error {
	return c.TxPackets([]spi.Packet{{W: w, R: r}})
}
func (c *fakeConn) TxPackets(p []spi.Packet) error {
	if c.f.cs != nil {
		c.f.levels = append(c.f.levels, c.f.cs.Read())
	}
	return nil
}

func pins(names ...string) map[string]*gpiotest.Pin {
	m := map[string]*gpiotest.Pin{}
	for _, n := range names {
		m[n] = &gpiotest.Pin{N: n}
	}
	return m
}

func TestOpenSoftwareChipSelect(t *testing.T) {
	p, err := Lookup("dragino-lora-gps-hat")
	if err != nil {
		t.Fatal(err)
	}
	p.MaxSPI = 4 * physic.MegaHertz
	ps := pins("GPIO25", "GPIO17", "GPIO4")
	fp := &fakePort{cs: ps["GPIO25"]}
	r, err := open(p, func(string) (spi.PortCloser, error) { return fp, nil },
		func(n string) gpio.PinIO {
			if pn, ok := ps[n]; ok {
				return pn
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if r.DIO0 != ps["GPIO4"] || r.Reset != ps["GPIO17"] || r.DIO1 != nil {
		t.Fatalf("pins not resolved: %+v", r)
	}
	if fp.limit != 4*physic.MegaHertz {
		t.Fatalf("speed limit %v", fp.limit)
	}
	c, err := r.Port.Connect(10*physic.MegaHertz, spi.Mode0, 8)
	if err != nil {
		t.Fatal(err)
	}
	if fp.mode != spi.Mode0|spi.NoCS {
		t.Fatalf("underlying port connected with %v, want Mode0|NoCS", fp.mode)
	}
	if ps["GPIO25"].Read() != gpio.High {
		t.Fatal("chip select not parked high after Connect")
	}
	if err := c.Tx([]byte{0x42, 0}, make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	if err := c.TxPackets([]spi.Packet{{W: []byte{1}, KeepCS: true}}); err != nil {
		t.Fatal(err)
	}
	if ps["GPIO25"].Read() != gpio.Low {
		t.Fatal("KeepCS released chip select")
	}
	if len(fp.levels) != 2 || fp.levels[0] != gpio.Low || fp.levels[1] != gpio.Low {
		t.Fatalf("chip select during transactions: %v", fp.levels)
	}
	if err := r.Close(); err != nil || !fp.closed {
		t.Fatalf("Close: %v, closed %v", err, fp.closed)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	p, _ := Lookup("adafruit-rfm9x-bonnet")
	none := func(string) gpio.PinIO { return nil }
	if _, err := open(p, nil, none); err == nil || !strings.Contains(err.Error(), `reset pin "GPIO25" not found`) {
		t.Errorf("missing pin: %v", err)
	}
	all := func(n string) gpio.PinIO { return &gpiotest.Pin{N: n} }
	failSPI := func(string) (spi.PortCloser, error) { return nil, errors.New("no such file") }
	if _, err := open(p, failSPI, all); err == nil || !strings.Contains(err.Error(), "dtparam=spi=on") {
		t.Errorf("SPI failure without a hint: %v", err)
	}
	r, err := open(p, func(string) (spi.PortCloser, error) { return &fakePort{}, nil }, all)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Port.(*softCS); ok {
		t.Error("hardware chip select profile got a software chip select")
	}
}

// csLog is a chip select pin that records every level driven on it.
type csLog struct {
	*gpiotest.Pin
	out []gpio.Level
}

func (p *csLog) Out(l gpio.Level) error {
	p.out = append(p.out, l)
	return p.Pin.Out(l)
}

// TestSoftwareChipSelectBlipsBetweenTransactions: as spi.Conn documents, a
// packet with KeepCS false that is not the last ends its transaction, so the
// chip select must go high before the next packet, as a hardware chip
// select would (the SX127x ends a burst access on the rising edge of NSS).
func TestSoftwareChipSelectBlipsBetweenTransactions(t *testing.T) {
	p, err := Lookup("dragino-lora-gps-hat")
	if err != nil {
		t.Fatal(err)
	}
	cs := &csLog{Pin: &gpiotest.Pin{N: "GPIO25"}}
	fp := &fakePort{cs: cs.Pin}
	r, err := open(p, func(string) (spi.PortCloser, error) { return fp, nil },
		func(n string) gpio.PinIO {
			if n == "GPIO25" {
				return cs
			}
			return &gpiotest.Pin{N: n}
		})
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Port.Connect(physic.MegaHertz, spi.Mode0, 8)
	if err != nil {
		t.Fatal(err)
	}
	cs.out = nil
	// Two transactions: a write of register 0x01 (two packets, CS held
	// between them), then a read of 0x42.
	packets := []spi.Packet{{W: []byte{0x81}, KeepCS: true}, {W: []byte{0x80}}, {W: []byte{0x42, 0}, R: make([]byte, 2)}}
	if err := c.TxPackets(packets); err != nil {
		t.Fatal(err)
	}
	want := []gpio.Level{gpio.Low, gpio.High, gpio.Low, gpio.High}
	if len(cs.out) != len(want) {
		t.Fatalf("chip select driven %v, want %v", cs.out, want)
	}
	for i := range want {
		if cs.out[i] != want[i] {
			t.Fatalf("chip select driven %v, want %v", cs.out, want)
		}
	}
	if len(fp.levels) != 2 || fp.levels[0] != gpio.Low || fp.levels[1] != gpio.Low {
		t.Fatalf("underlying transactions %v, want two with chip select low", fp.levels)
	}
}
