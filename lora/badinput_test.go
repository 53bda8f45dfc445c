package lora_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
	"periph.io/x/conn/v3/conntest"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi/spitest"
)

// TestBadOptionsTouchNothing checks that impossible options are refused
// before any pin moves or any SPI transaction happens: the playback has no
// operations (any Tx fails) and Connect must not be called.
func TestBadOptionsTouchNothing(t *testing.T) {
	tests := []struct {
		name string
		mod  func(o *lora.Opts)
		want string
	}{
		{"frequency below the band", func(o *lora.Opts) { o.Frequency = 100 * physic.MegaHertz }, "outside the SX1276's band"},
		{"frequency above the band", func(o *lora.Opts) { o.Frequency = 1100 * physic.MegaHertz }, "outside the SX1276's band"},
		{"868 MHz on an SX1278", func(o *lora.Opts) { o.Variant = lora.SX1278 }, "outside the SX1278's band"},
		{"SF6 with explicit header", func(o *lora.Opts) { o.Modem.SF = lora.SF6 }, "SF6 needs an implicit header"},
		{"SF10 on an SX1277", func(o *lora.Opts) { o.Variant, o.Modem.SF = lora.SX1277, lora.SF10 }, "supports SF6 to SF9"},
		{"implicit without length", func(o *lora.Opts) { o.Modem.ImplicitHeader = true }, "PayloadLength"},
		{"LDRO off at SF12/125", func(o *lora.Opts) { o.Modem.SF, o.Modem.LDRO = lora.SF12, lora.LDROOff }, "mandates"},
		{"21 dBm", func(o *lora.Opts) { o.Power = 21 }, "+2 to +20 dBm"},
		{"RFO 15 dBm", func(o *lora.Opts) { o.Output, o.Power = lora.RFO, 15 }, "0 to +14 dBm"},
		{"OCP 300 mA", func(o *lora.Opts) { o.OCPMilliamps = 300 }, "45..240"},
		{"no plan", func(o *lora.Opts) { o.Plan = nil }, "no regional plan"},
		{"between EU sub-bands", func(o *lora.Opts) { o.Frequency = 868_650 * physic.KiloHertz }, "not inside any sub-band"},
		{"signal over the sub-band edge", func(o *lora.Opts) { o.Frequency = 868_550 * physic.KiloHertz }, "not inside any sub-band"},
		{"17 dBm ERP in g1", func(o *lora.Opts) { o.Power = 17 }, "allows 14 dBm ERP"},
		{"gain counts in ERP", func(o *lora.Opts) { o.AntennaGainDBi = 5 }, "allows 14 dBm ERP"},
		{"500 kHz at 169 MHz", func(o *lora.Opts) {
			o.Frequency, o.Modem.Bandwidth, o.Direction = 169*physic.MegaHertz, lora.BW500, radio.ReceiveOnly
		}, "below 175 MHz"},
		{"bad callsign", func(o *lora.Opts) { o.Callsign = "not a call" }, "not a callsign"},
		{"preamble 5", func(o *lora.Opts) { o.Modem.Preamble = 5 }, "preamble"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := &spitest.Playback{Playback: conntest.Playback{DontPanic: true}}
			reset := &gpiotest.Pin{N: "RESET", L: gpio.High}
			dio0 := &gpiotest.Pin{N: "DIO0", EdgesChan: make(chan gpio.Level, 1)}
			o := euOpts()
			tt.mod(&o)
			_, err := lora.New(port, reset, dio0, &o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want an error containing %q", err, tt.want)
			}
			if port.Initialized || port.Count != 0 || reset.Read() != gpio.High {
				t.Fatalf("hardware touched: connected %v, %d transactions, RESET %v", port.Initialized, port.Count, reset.Read())
			}
		})
	}
}

// TestBadPayloadsTouchNothing checks that a bad frame is refused before
// any register is written: the chip's SPI transaction count stays put.
func TestBadPayloadsTouchNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		air := medium.New(medium.Options{})
		implicit := hamOpts()
		implicit.Modem.ImplicitHeader, implicit.PayloadLength = true, 10
		noCall := hamOpts()
		noCall.Callsign = ""
		us := euOpts()
		us.Frequency, us.Plan, us.Modem.SF = 903_900*physic.KiloHertz, lora.US915, lora.SF10
		tests := []struct {
			name    string
			o       lora.Opts
			payload []byte
			want    error
		}{
			{"empty", euOpts(), nil, lora.ErrEmpty},
			{"256 bytes", euOpts(), make([]byte, 256), radio.ErrTooLarge},
			{"implicit length mismatch", implicit, make([]byte, 9), nil},
			{"amateur plan without callsign", noCall, []byte("hi"), lora.ErrNoCallsign},
			{"US915 dwell: 100 bytes at SF10 last 1 s", us, make([]byte, 100), radio.ErrBudget},
		}
		for _, tt := range tests {
			s, closeS := attach(t, air, tt.name, tt.o)
			before := len(s.chip.Transmissions())
			accesses := s.chip.Accesses()
			err := s.dev.Send(ctx, tt.payload)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("%s: Send = %v, want %v", tt.name, err, tt.want)
			}
			if len(s.chip.Transmissions()) != before || s.chip.Accesses() != accesses {
				t.Errorf("%s: the chip was touched", tt.name)
			}
			var be *radio.BudgetError
			if errors.As(err, &be) && (be.Wait != 0 || !strings.Contains(be.Reason, "400ms dwell")) {
				t.Errorf("%s: %+v", tt.name, be)
			}
			closeS()
		}
	})
}
