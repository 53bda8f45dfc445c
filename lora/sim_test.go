package lora_test

import (
	"context"
	"testing"
	"time"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/lora/sx127xsim"
	"github.com/altnet/altnet/radio/medium"
	"periph.io/x/conn/v3/physic"
)

// station is a driver on a chip model on the simulated air.
type station struct {
	chip *sx127xsim.Chip
	dev  *lora.Dev
}

// euOpts is a two-way EU868 gateway on 868.1 MHz at SF9/125 kHz.
func euOpts() lora.Opts {
	return lora.Opts{
		Frequency: 868_100 * physic.KiloHertz,
		Modem:     lora.Modem{SF: lora.SF9, Bandwidth: lora.BW125, CodingRate: lora.CR4_5, Preamble: 8, CRC: true},
		Power:     14,
		Plan:      lora.EU868,
	}
}

// attach builds a chip model named name on air and a driver on it. The
// caller must call close (inside the synctest bubble), which also fails
// the test if the driver broke a datasheet rule.
func attach(t *testing.T, air *medium.Medium, name string, o lora.Opts) (*station, func()) {
	t.Helper()
	chip, err := sx127xsim.New(air, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.Name = name
	o.Clock = air.Clock()
	o.DIO1 = chip.DIO1()
	dev, err := lora.New(chip, chip.Reset(), chip.DIO0(), &o)
	if err != nil {
		t.Fatalf("New(%s): %v", name, err)
	}
	s := &station{chip: chip, dev: dev}
	return s, func() {
		t.Helper()
		if err := dev.Close(); err != nil {
			t.Errorf("Close(%s): %v", name, err)
		}
		noViolations(t, chip)
	}
}

// noViolations fails the test for every datasheet rule the driver broke.
func noViolations(t *testing.T, chip *sx127xsim.Chip) {
	t.Helper()
	for _, v := range chip.Violations() {
		t.Errorf("%s: datasheet violation at %v: %v", chip, v.Time.Format("15:04:05.000000"), v)
	}
}

// testContext returns a context that ends after a simulated day, so that
// inside a synctest bubble a frame that never comes fails the test at once
// instead of hanging it (the driver's bounded waits keep fake time moving).
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 24*time.Hour)
	t.Cleanup(cancel)
	return ctx
}
