package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/proc"
	"github.com/altnet/altnet/radio/simdriver"
)

// driverChildCommand is the internal subcommand a supervised driver runs
// in: the core re-executes the binary with it (see package proc) and
// speaks the pipe protocol on its standard input and output.
func driverChildCommand() *command {
	var o struct {
		kind, name    string
		mtu, sf, cr   int
		bw            float64
		window, allow time.Duration
	}
	return &command{
		name:    "driver-child",
		summary: "internal: run one radio driver as a supervised child process",
		long: `Started by the AltNet core, not by hand: runs one driver and speaks the
framed pipe protocol of package proc on standard input and output, so a
fault in the driver stays in this process. Kinds: loopback (a radio that
hears itself, with LoRa airtime; for tests and smoke checks). The LoRa and
AX.25 drivers join as they land.`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&o.kind, "kind", "", "driver kind: loopback")
			fs.StringVar(&o.name, "name", "", "driver name (as configured in the core)")
			fs.IntVar(&o.mtu, "mtu", 255, "largest frame in `bytes`")
			fs.IntVar(&o.sf, "sf", 9, "LoRa spreading factor for the airtime")
			fs.Float64Var(&o.bw, "bw", 125, "LoRa bandwidth in `kHz` for the airtime")
			fs.IntVar(&o.cr, "cr", 5, "LoRa coding rate 4/`N`")
			fs.DurationVar(&o.window, "duty-window", time.Hour, "duty-cycle window")
			fs.DurationVar(&o.allow, "duty-allowed", 0, "airtime allowed per window (0: no limit)")
		},
		run: func(e *env, args []string) error {
			if err := noArgs("altnet driver-child", args); err != nil {
				return err
			}
			if o.name == "" {
				return usagef("altnet driver-child: --name is required")
			}
			var drv radio.Driver
			switch o.kind {
			case "loopback":
				bw, err := lora.BandwidthFromKHz(o.bw)
				if err != nil {
					return usagef("altnet driver-child: %v", err)
				}
				m := lora.Modem{SF: lora.SpreadingFactor(o.sf), Bandwidth: bw, CodingRate: lora.CodingRate(o.cr - 4), Preamble: 8, CRC: true}
				if err := m.Validate(); err != nil {
					return usagef("altnet driver-child: %v", err)
				}
				drv, err = simdriver.NewLoopback(simdriver.Options{Name: o.name, MTU: o.mtu, BitRate: 1000,
					Airtime: m.Airtime, Window: o.window, Allowed: o.allow, Logger: e.log}, nil)
				if err != nil {
					return err
				}
			default:
				return usagef("altnet driver-child: unknown --kind %q (want loopback)", o.kind)
			}
			if err := proc.Serve(e.ctx, drv, e.stdin, e.stdout); err != nil {
				return fmt.Errorf("driver-child %s: %w", o.name, err)
			}
			return nil
		},
	}
}
