package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/daemon"
	"github.com/altnet/altnet/radio"
)

// probeCommand is the smoke test of one configured radio on the board:
// build its driver as the daemon would (for LoRa: reset the chip and check
// its version), say what it is, and optionally listen for frames.
func probeCommand() *command {
	var (
		path   string
		listen time.Duration
	)
	return &command{
		name:    "probe",
		summary: "check one configured radio: open it as the daemon would, show it, listen for frames",
		usage:   "RADIO",
		long: `Builds the driver of the [[radio]] named RADIO exactly as 'altnet run' does:
a LoRa radio's chip is reset and must answer with its version (the error says
what to check: wiring, chip select, SPI enabled, 3.3 V); a KISS TNC is
connected. It then prints the radio's capabilities, state and airtime budget
and, with --listen, every frame heard until the time is up (Ctrl-C ends it
early). It never transmits. Stop the daemon first: it holds the radio.`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&path, "config", config.DefaultPath, "configuration `file`")
			fs.DurationVar(&listen, "listen", 0, "listen for frames this `long` (0: do not listen)")
		},
		run: func(e *env, args []string) error {
			if len(args) != 1 {
				return usagef("altnet probe: want one radio name (run 'altnet probe --help')")
			}
			return probe(e, path, args[0], listen)
		},
	}
}

func probe(e *env, path, name string, listen time.Duration) error {
	c, err := config.Load(path)
	if err != nil {
		return err
	}
	i := -1
	for j, r := range c.Radios {
		if r.Name == name {
			i = j
		}
	}
	if i < 0 {
		return fmt.Errorf("probe: no radio %q in %s", name, path)
	}
	d, err := daemon.OpenDriver(c, i, daemon.DriverEnv{Logger: e.log})
	if err != nil {
		return fmt.Errorf("probe: %s: %w", name, err)
	}
	defer d.Close()
	caps, b := d.Capabilities(), d.Budget()
	fmt.Fprintf(e.stdout, "%s: %s, %s, MTU %d bytes, %d bit/s, state %s\n", name, c.Radios[i].Type,
		caps.Direction, caps.MTU, caps.BitRate, d.State())
	if b.Limited {
		fmt.Fprintf(e.stdout, "  airtime budget: %v of %v per %v used\n", b.Used, b.Allowed, b.Window)
	}
	fmt.Fprintf(e.stdout, "  a full frame is %v on the air\n", d.Airtime(caps.MTU))
	if listen <= 0 || !caps.Direction.CanReceive() {
		return nil
	}
	fmt.Fprintf(e.stdout, "listening for %v\n", listen)
	ctx, cancel := context.WithTimeout(e.ctx, listen)
	defer cancel()
	n := 0
	for {
		f, err := d.Receive(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, radio.ErrClosed) {
				fmt.Fprintf(e.stdout, "%d frames heard\n", n)
				return nil
			}
			return fmt.Errorf("probe: %s: %w", name, err)
		}
		n++
		sig := ""
		if f.HasSignal {
			sig = fmt.Sprintf(" RSSI %d dBm, SNR %.2f dB", f.RSSI, f.SNR)
		}
		fmt.Fprintf(e.stdout, "%s %d bytes%s: % x\n", f.Time.Format(time.TimeOnly), len(f.Payload), sig, f.Payload)
	}
}
