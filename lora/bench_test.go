package lora_test

import (
	"testing"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/lora/sx127xsim"
	"github.com/altnet/altnet/radio/medium"
	"periph.io/x/conn/v3/spi"
)

var sinkDuration time.Duration

// BenchmarkSymbolTime is the baseline for BenchmarkAirtime: one exact
// division for the symbol time.
func BenchmarkSymbolTime(b *testing.B) {
	m := euOpts().Modem
	for i := 0; b.Loop(); i++ {
		m.SF = lora.SpreadingFactor(7 + i%6)
		sinkDuration = m.SymbolTime()
	}
}

// BenchmarkAirtime computes the exact time on air of frames of every
// length (what the scheduler asks before each frame).
func BenchmarkAirtime(b *testing.B) {
	m := euOpts().Modem
	for i := 0; b.Loop(); i++ {
		m.SF = lora.SpreadingFactor(7 + i%6)
		sinkDuration = m.Airtime(1 + i%255)
	}
}

// fastAir returns a medium on a clock that runs factor times faster than
// the wall.
func fastAir(factor float64) *medium.Medium {
	return medium.New(medium.Options{Clock: clock.NewScaled(factor, time.Time{})})
}

// BenchmarkRegisterRead is the baseline for BenchmarkSendOnModel: one SPI
// transaction (a two-byte register read) through the chip model.
func BenchmarkRegisterRead(b *testing.B) {
	chip, err := sx127xsim.New(fastAir(1e6), "c", nil)
	if err != nil {
		b.Fatal(err)
	}
	conn, err := chip.Connect(lora.SPIMaxSpeed, spi.Mode0, 8)
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(time.Millisecond) // the chip's 10 ms power-on time, scaled
	w, r := []byte{0x42, 0}, make([]byte, 2)
	for b.Loop() {
		if err := conn.Tx(w, r); err != nil {
			b.Fatal(err)
		}
	}
}
