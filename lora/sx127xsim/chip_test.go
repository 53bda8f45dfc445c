package sx127xsim

import (
	"bytes"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio/medium"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// bus drives a chip register by register, as a test of the model (not of
// a driver) must.
type bus struct {
	t    *testing.T
	chip *Chip
	conn spi.Conn
}

// newBus attaches a chip to air, waits out its power-on time and connects.
func newBus(t *testing.T, air *medium.Medium, name string) *bus {
	t.Helper()
	c, err := New(air, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Connect(10*physic.MegaHertz, spi.Mode0, 8)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	return &bus{t: t, chip: c, conn: conn}
}

func (b *bus) read(addr byte, n int) []byte {
	b.t.Helper()
	w, r := make([]byte, n+1), make([]byte, n+1)
	w[0] = addr
	if err := b.conn.Tx(w, r); err != nil {
		b.t.Fatal(err)
	}
	return r[1:]
}

func (b *bus) write(addr byte, v ...byte) []byte {
	b.t.Helper()
	w, r := append([]byte{0x80 | addr}, v...), make([]byte, len(v)+1)
	if err := b.conn.Tx(w, r); err != nil {
		b.t.Fatal(err)
	}
	return r[1:]
}

// rules returns the rules broken so far, in order.
func (b *bus) rules() string {
	var s []string
	for _, v := range b.chip.Violations() {
		s = append(s, v.Rule)
	}
	return strings.Join(s, ",")
}

// loraStandby switches to LoRa mode the datasheet way: Sleep, then
// LongRangeMode in Sleep, then Standby, and sets a clean 868.1 MHz SF9
// configuration.
func (b *bus) loraStandby() {
	b.write(regOpMode, 0x00)
	b.write(regOpMode, 0x80)
	b.write(regFrfMsb, 0xD9, 0x06, 0x66) // 868.1 MHz
	b.write(regModemConfig2, 0x94)       // SF9, CRC on
	b.write(regOpMode, 0x81)
}

func TestResetValuesAndVersion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBus(t, medium.New(medium.Options{}), "c")
		if v := b.read(regVersion, 1)[0]; v != 0x12 {
			t.Fatalf("RegVersion %#x", v)
		}
		if v := b.read(regOpMode, 1)[0]; v != 0x09 {
			t.Fatalf("RegOpMode after reset %#x, want 0x09 (FSK, LF, Standby)", v)
		}
		b.loraStandby()
		got := b.read(regFifoAddrPtr, 3)
		if !bytes.Equal(got, []byte{0x00, 0x80, 0x00}) {
			t.Fatalf("FIFO pointers % x, want 00 80 00", got)
		}
		// Burst read with auto-increment across ModemConfig1..MaxPayloadLength.
		got = b.read(regModemConfig1, 7)
		if !bytes.Equal(got, []byte{0x72, 0x94, 0x64, 0x00, 0x08, 0x01, 0xFF}) {
			t.Fatalf("modem registers % x", got)
		}
		if r := b.rules(); r != "" {
			t.Fatalf("violations: %s", r)
		}
	})
}

func TestFifoPointerAndMISO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBus(t, medium.New(medium.Options{}), "c")
		b.loraStandby()
		b.write(regFifoAddrPtr, 0xFE)
		b.write(regFifo, 1, 2, 3, 4) // wraps at 256
		if p := b.read(regFifoAddrPtr, 1)[0]; p != 0x02 {
			t.Fatalf("FifoAddrPtr after 4 bytes from 0xFE: %#x", p)
		}
		b.write(regFifoAddrPtr, 0xFE)
		if got := b.read(regFifo, 4); !bytes.Equal(got, []byte{1, 2, 3, 4}) {
			t.Fatalf("FIFO read back % x", got)
		}
		// During a write MISO carries the old value.
		if old := b.write(regSyncWord, 0x34); old[0] != 0x12 {
			t.Fatalf("MISO during write %#x, want the old 0x12", old[0])
		}
		// Sleep clears the FIFO and forbids access to it.
		b.write(regOpMode, 0x80)
		b.write(regFifoAddrPtr, 0xFE)
		b.read(regFifo, 1)
		b.write(regOpMode, 0x81)
		b.write(regFifoAddrPtr, 0xFE)
		if got := b.read(regFifo, 2); !bytes.Equal(got, []byte{0, 0}) {
			t.Fatalf("FIFO not cleared by Sleep: % x", got)
		}
		if r := b.rules(); r != "fifo-in-sleep" {
			t.Fatalf("violations %q", r)
		}
	})
}

func TestViolations(t *testing.T) {
	tests := []struct {
		name string
		do   func(b *bus)
		want string
	}{
		{"LongRangeMode outside Sleep is ignored", func(b *bus) {
			b.write(regOpMode, 0x81)
			if v := b.read(regOpMode, 1)[0]; v != 0x01 {
				b.t.Fatalf("RegOpMode %#x: LongRangeMode must not change in Standby", v)
			}
		}, "long-range-mode"},
		{"LoRa register in FSK mode", func(b *bus) { b.read(regModemConfig1, 1) }, "fsk-mode"},
		{"read-only register", func(b *bus) { b.loraStandby(); b.write(regRxNbBytes, 1) }, "read-only"},
		{"reserved register", func(b *bus) { b.loraStandby(); b.write(0x2F, 1) }, "reserved"},
		{"test register", func(b *bus) { b.loraStandby(); b.write(0x50, 1) }, "reserved"},
		{"zero payload length", func(b *bus) { b.loraStandby(); b.write(regPayloadLength, 0) }, "payload-length-zero"},
		{"config while receiving", func(b *bus) {
			b.loraStandby()
			b.write(regOpMode, 0x85)
			b.write(regModemConfig1, 0x72)
		}, "config-while-active"},
		{"SF6 explicit with SF7 detection values", func(b *bus) {
			b.loraStandby()
			b.write(regModemConfig2, 0x64)
			b.write(regOpMode, 0x85)
		}, "sf6-explicit,detection-optimize"},
		{"LDRO mandated at SF12/125", func(b *bus) {
			b.loraStandby()
			b.write(regModemConfig2, 0xC4)
			b.write(regOpMode, 0x85)
		}, "ldro-mandated"},
		{"LowFrequencyModeOn at 868 MHz", func(b *bus) {
			b.loraStandby()
			b.write(regOpMode, 0x89)
			b.write(regOpMode, 0x8D)
		}, "low-frequency-mode"},
		{"PaDac high power on RFO", func(b *bus) {
			b.loraStandby()
			b.write(regPaConfig, 0x7F)
			b.write(regPaDac, 0x87)
			b.write(regOpMode, 0x83)
		}, "pa-dac-rfo"},
		{"reserved bandwidth code", func(b *bus) {
			b.loraStandby()
			b.write(regModemConfig1, 0xA2)
			b.write(regOpMode, 0x85)
		}, "reserved-code"},
		{"short transaction", func(b *bus) {
			if err := b.conn.Tx([]byte{0x42}, nil); err == nil {
				b.t.Fatal("one-byte transaction accepted")
			}
		}, "spi-length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newBus(t, medium.New(medium.Options{}), "c")
				tt.do(b)
				if got := b.rules(); got != tt.want {
					t.Fatalf("violations %q, want %q (%v)", got, tt.want, b.chip.Violations())
				}
			})
		})
	}
}

func TestResetTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, err := New(medium.New(medium.Options{}), "c", nil)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := c.Connect(8*physic.MegaHertz, spi.Mode0, 8)
		if err != nil {
			t.Fatal(err)
		}
		r := make([]byte, 2)
		_ = conn.Tx([]byte{regVersion, 0}, r) // 0 ms after power-on
		rst := c.Reset()
		_ = rst.Out(gpio.Low)
		time.Sleep(50 * time.Microsecond)
		_ = conn.Tx([]byte{regVersion, 0}, r) // in reset
		_ = rst.Out(gpio.High)                // pulse too short
		time.Sleep(5 * time.Millisecond)
		if err := conn.Tx([]byte{regVersion, 0}, r); err != nil || r[1] != 0x12 {
			t.Fatalf("version after reset: %#x, %v", r[1], err)
		}
		var rules []string
		for _, v := range c.Violations() {
			rules = append(rules, v.Rule)
		}
		if got := strings.Join(rules, ","); got != "spi-not-ready,spi-in-reset,reset-pulse" {
			t.Fatalf("violations %q", got)
		}
		if _, err := c.Connect(8*physic.MegaHertz, spi.Mode0, 8); err == nil {
			t.Fatal("second Connect accepted")
		}
	})
}

func TestConnectChecksSPIMode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := New(medium.New(medium.Options{}), "c", nil)
		if _, err := c.Connect(20*physic.MegaHertz, spi.Mode0, 8); err == nil {
			t.Fatal("20 MHz accepted")
		}
		if _, err := c.Connect(physic.MegaHertz, spi.Mode3, 8); err == nil {
			t.Fatal("mode 3 accepted")
		}
		if len(c.Violations()) != 2 {
			t.Fatalf("violations %v", c.Violations())
		}
	})
}
