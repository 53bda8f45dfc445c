package main

import (
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/daemon"
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
		config        string
		mtu, sf, cr   int
		bw            float64
		window, allow time.Duration
	}
	return &command{
		name:    "driver-child",
		hidden:  true,
		summary: "internal: run one radio driver as a supervised child process",
		long: `Started by the AltNet core, not by hand: runs one driver and speaks the
framed pipe protocol of package proc on standard input and output, so a
fault in the driver stays in this process. Kinds: lora, kiss-tcp and
kiss-serial build the radio named --name from its [[radio]] section of
the --config file, exactly as the daemon would in process, and open only
its device; loopback is a radio that hears itself, with LoRa airtime, for
tests and smoke checks.`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&o.kind, "kind", "", "driver kind: lora, kiss-tcp, kiss-serial or loopback")
			fs.StringVar(&o.config, "config", "", "configuration `file` holding the radio (kinds lora, kiss-tcp, kiss-serial)")
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
			case config.TypeLoRa, config.TypeKISSTCP, config.TypeKISSSerial:
				var err error
				if drv, err = configuredDriver(e, o.config, o.kind, o.name); err != nil {
					return err
				}
			default:
				return usagef("altnet driver-child: unknown --kind %q (want lora, kiss-tcp, kiss-serial or loopback)", o.kind)
			}
			if err := proc.Serve(e.ctx, drv, e.stdin, e.stdout); err != nil {
				return fmt.Errorf("driver-child %s: %w", o.name, err)
			}
			return nil
		},
	}
}

// configuredDriver opens the radio named name of the configuration file,
// which must be of the given kind, as the daemon would in process.
func configuredDriver(e *env, path, kind, name string) (radio.Driver, error) {
	if path == "" {
		return nil, usagef("altnet driver-child: --kind %s needs --config", kind)
	}
	c, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	for i, r := range c.Radios {
		if r.Name != name {
			continue
		}
		if r.Type != kind {
			return nil, fmt.Errorf("driver-child: radio %q in %s is of type %s, not %s", name, path, r.Type, kind)
		}
		log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: logLevel(c.LogLevel)}))
		return daemon.OpenDriver(c, i, daemon.DriverEnv{Logger: log})
	}
	return nil, fmt.Errorf("driver-child: %s has no radio named %q", path, name)
}
