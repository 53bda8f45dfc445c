//go:build unix

package lora_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/lora/sx127xsim"
)

// cpuTime returns the CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSendOnModel sends 64-byte frames at SF7/500 kHz through the
// driver and the chip model on a clock 10 times faster than the wall:
// Standby, FIFO burst, TX, TxDone edge, flags, back to RX. The wall time
// per op is mostly the scaled airtime (2.95 ms); cpu-ns/op is the driver's
// and the model's work and spi-tx/op the SPI transactions per frame.
func BenchmarkSendOnModel(b *testing.B) {
	air := fastAir(10)
	chip, err := sx127xsim.New(air, "c", nil)
	if err != nil {
		b.Fatal(err)
	}
	o := hamOpts()
	o.Modem.SF, o.Modem.Bandwidth = lora.SF7, lora.BW500
	o.Clock = air.Clock()
	o.EdgeWait, o.PollInterval = time.Second, time.Hour
	dev, err := lora.New(chip, chip.Reset(), chip.DIO0(), &o)
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Close()
	payload := make([]byte, 64)
	ctx := context.Background()
	before, cpu0 := chip.Accesses(), cpuTime(b)
	for b.Loop() {
		if err := dev.Send(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(chip.Accesses()-before)/float64(b.N), "spi-tx/op")
}
