package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/sim/demo"
)

// Bounds of the demo's flags.
const (
	maxDemoSpeed    = 1000
	minDemoDuration = 5 * time.Minute
)

type simDemoFlags struct {
	seed                      uint64
	duration, every           time.Duration
	speed, loss               float64
	node, tx, start           string
	noReorg, noInvalid, plain bool
	verbose                   bool
}

func simDemoCommand() *command {
	var f simDemoFlags
	return &command{
		name:    "demo",
		summary: "the whole network on a simulated air: uplink, LoRa and AX.25 receivers, emergency sender",
		long: `Runs an uplink gateway, two off-grid receivers and an emergency sender on a
simulated air, with no hardware and no network, on a clock --speed times
faster than the wall clock (40 simulated minutes in about 25 seconds).

The uplink follows a regtest chain that a simulated node mines (110 blocks
at the start, then one every ten minutes or so, and a reorganisation), or a
real regtest node with --node HOST:PORT. It broadcasts headers over LoRa (the
real SX127x driver on the register-level chip model, EU868 869.525 MHz SF7)
and AX.25 (the real KISS driver on a simulated 1200 baud TNC). The LoRa
receiver hears it on a one-way link that loses --loss of the frames; the
AX.25 receiver on a two-way link, asking for what it lacks. The sender sends
a segwit transaction spending a mature coinbase, and one with a broken
signature, over AX.25; the uplink pushes them into the node and acknowledges
them over the air.

The screen shows each station's headers against the node's tip, each
radio's airtime against its budget, the transactions and the events; it is
redrawn in place on a terminal, printed as lines otherwise (or with
--plain). The exit status is 0 only if both receivers end on the node's tip
and every transaction was acknowledged as expected (docs/demo.md).`,
		flags: func(fs *flag.FlagSet) {
			fs.Uint64Var(&f.seed, "seed", 1, "random seed: frame losses, block times, delays")
			fs.DurationVar(&f.duration, "duration", demo.DefaultDuration, "simulated `time` the demo lasts")
			fs.Float64Var(&f.speed, "speed", 100, "simulated seconds per wall second (the LoRa driver's TxDone deadlines are host timers: above 100 they may fire late)")
			fs.Float64Var(&f.loss, "loss", demo.DefaultLoRaLoss, "frame loss of the one-way LoRa link, 0..0.9")
			fs.StringVar(&f.node, "node", "", "follow a real regtest node at `HOST:PORT` instead of the simulated one")
			fs.StringVar(&f.tx, "tx", "", "with --node: a signed raw transaction (`HEX`) for the sender to send")
			fs.BoolVar(&f.noReorg, "no-reorg", false, "skip the simulated node's reorganisation")
			fs.BoolVar(&f.noInvalid, "no-invalid", false, "send only the valid transaction")
			fs.BoolVar(&f.plain, "plain", false, "print lines even on a terminal")
			fs.DurationVar(&f.every, "every", 0, "simulated `time` between two updates (default 15s on a terminal, 2m otherwise)")
			fs.StringVar(&f.start, "start", "", "simulated start `time`, RFC 3339 (default now)")
			fs.BoolVar(&f.verbose, "verbose", false, "log the gateways and drivers on stderr")
		},
		run: func(e *env, args []string) error {
			if err := noArgs("altnet sim demo", args); err != nil {
				return err
			}
			return runSimDemo(e, f)
		},
	}
}

// config checks the flags and builds the demo's configuration.
func (f simDemoFlags) config(e *env) (demo.Config, error) {
	cfg := demo.Config{Seed: f.seed, Duration: f.duration, Node: f.node, NoReorg: f.noReorg, NoInvalid: f.noInvalid,
		LoRaLoss: f.loss, Every: f.every}
	switch {
	case f.speed < 1 || f.speed > maxDemoSpeed:
		return cfg, usagef("altnet sim demo: --speed %g not in 1..%d", f.speed, maxDemoSpeed)
	case f.duration < minDemoDuration:
		return cfg, usagef("altnet sim demo: --duration %v: at least %v", f.duration, minDemoDuration)
	case f.loss < 0 || f.loss > 0.9:
		return cfg, usagef("altnet sim demo: --loss %g not in 0..0.9", f.loss)
	case f.tx != "" && f.node == "":
		return cfg, usagef("altnet sim demo: --tx needs --node (with the simulated node the demo makes its own)")
	case f.every < 0:
		return cfg, usagef("altnet sim demo: negative --every")
	}
	if f.loss == 0 {
		cfg.LoRaLoss = -1 // demo.Config: negative means none
	}
	if f.tx != "" {
		raw, err := hex.DecodeString(strings.TrimSpace(f.tx))
		if err != nil {
			return cfg, usagef("altnet sim demo: --tx: %v", err)
		}
		cfg.Tx = raw
	}
	start := time.Now().Truncate(time.Second)
	if f.start != "" {
		t, err := time.Parse(time.RFC3339, f.start)
		if err != nil {
			return cfg, usagef("altnet sim demo: --start: %v", err)
		}
		start = t
	}
	cfg.Clock = clock.NewScaled(f.speed, start)
	if f.verbose {
		cfg.Logger = e.log
	}
	return cfg, nil
}

func runSimDemo(e *env, f simDemoFlags) error {
	cfg, err := f.config(e)
	if err != nil {
		return err
	}
	scr := newDemoScreen(e.stdout, !f.plain && isTerminal(e.stdout), cfg, f.speed)
	defer scr.done() // the cursor comes back whatever happens
	cfg.Progress = scr.update
	if cfg.Every == 0 {
		cfg.Every = scr.every()
	}
	began := time.Now()
	rep, err := demo.Run(e.ctx, cfg)
	wall := time.Since(began)
	switch {
	case errors.Is(err, demo.ErrConfig):
		return usagef("altnet sim demo: %v", err)
	case err != nil && e.ctx.Err() != nil:
		return errors.New("sim demo: interrupted")
	case err != nil:
		return fmt.Errorf("sim demo: %w", err)
	}
	scr.update(rep.Final)
	scr.done()
	printDemoSummary(e.stdout, rep, cfg, wall)
	if !rep.OK() {
		return fmt.Errorf("sim demo failed: %s", strings.Join(rep.Failures, "; "))
	}
	return nil
}

// isTerminal reports whether w is a terminal that understands ANSI
// sequences.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
