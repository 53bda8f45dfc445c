// Package demo is AltNet's demonstration, `altnet sim demo` and `make
// demo`: a whole network of gateways on a simulated air, with no hardware
// and no Internet, running the code a board runs.
//
// An uplink gateway follows a chain: a regtest chain that the simulated
// node of sim/simnode mines (a new block every ten minutes or so, and a
// reorganisation), or a real regtest node over P2P. It broadcasts the
// headers on two radios built by package sim: LoRa (the real SX127x
// driver on the chip model, EU868 869.525 MHz) and AX.25 packet radio (the
// real KISS driver on a simulated 1200 baud TNC). Two off-grid receivers
// follow the chain over radio: one over LoRa on a one-way link that loses
// frames, fed by the uplink's carousel; one over AX.25 on a two-way link,
// asking for the headers it lacks. An emergency sender, also on AX.25,
// sends a valid segwit transaction that spends a mature coinbase (and an
// invalid one), which the uplink pushes into the node and acknowledges
// over the air.
//
// Every station has its own header store (and the sender its transaction
// queue) in a folder under Config.Dir, and its own gateway.Gateway. Run
// reports progress as Snapshots and returns a Report that says whether
// the receivers converged on the node's chain and the transaction was
// acknowledged.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/altnet/altnet/gateway"
	"github.com/altnet/altnet/headers"
	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/sim"
	"github.com/altnet/altnet/txqueue"
)

// Config configures a demonstration run. Clock is required; the zero
// value of every other field has a working default.
type Config struct {
	// Clock is the simulated time: a clock.Scaled for a run on a terminal,
	// the real clock inside a testing/synctest bubble (shifted with
	// clock.StartingAt: the simulated node's blocks carry its time, which
	// must not lie before the regtest genesis block of 2011).
	Clock clock.Clock
	// Seed makes the losses, the block times and the gateways' random
	// delays reproducible (0 means 1).
	Seed uint64
	// Duration is how much simulated time the run lasts (default 40 min).
	Duration time.Duration
	// Dir holds the stations' stores; a temporary folder, removed at the
	// end, when empty.
	Dir string
	// Node is a real regtest node's P2P address (HOST:PORT) for the uplink
	// to follow; empty runs the simulated node.
	Node string
	// Premine is how many blocks the simulated node mines before the
	// radios start (default 110, so that the first coinbases are mature).
	Premine int
	// BlockInterval is the mean time between the simulated node's blocks
	// (default 10 min; each interval is drawn between half and one and a
	// half times it). No block is mined in the last Settle of the run.
	BlockInterval time.Duration
	// Settle is the quiet time at the end of the run in which nothing new
	// happens, so that the receivers can catch up (default 6 min).
	Settle time.Duration
	// NoReorg skips the reorganisation the simulated node performs at
	// about 60 % of the run (two blocks replaced by three).
	NoReorg bool
	// NoInvalid skips the invalid transaction.
	NoInvalid bool
	// Tx is a raw signed transaction the sender sends when following a
	// real node (with the simulated node the demo builds its own).
	Tx []byte
	// TxAt is when the sender queues its transactions (default 1 min).
	TxAt time.Duration
	// LoRaLoss is the frame loss of the one-way LoRa link (default 0.2;
	// negative: none).
	LoRaLoss float64
	// Every is the simulated time between two Progress calls (default 30 s).
	Every time.Duration
	// Progress, when set, receives a Snapshot every Every and after each
	// event, from one goroutine at a time.
	Progress func(Snapshot)
	// Logger receives the gateways' and drivers' logs (discarded when nil).
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultDuration      = 40 * time.Minute
	DefaultPremine       = 110
	DefaultBlockInterval = 10 * time.Minute
	DefaultSettle        = 6 * time.Minute
	DefaultTxAt          = time.Minute
	DefaultLoRaLoss      = 0.2
	DefaultEvery         = 30 * time.Second
)

// ErrConfig wraps every configuration error of Run.
var ErrConfig = errors.New("demo: bad configuration")

func (c *Config) setDefaults() error {
	if c.Clock == nil {
		return fmt.Errorf("%w: no clock", ErrConfig)
	}
	c.Seed = max(c.Seed, 1)
	c.Duration = orDefault(c.Duration, DefaultDuration)
	c.BlockInterval = orDefault(c.BlockInterval, DefaultBlockInterval)
	c.Settle = orDefault(c.Settle, DefaultSettle)
	c.TxAt = orDefault(c.TxAt, DefaultTxAt)
	c.Every = orDefault(c.Every, DefaultEvery)
	if c.Premine == 0 {
		c.Premine = DefaultPremine
	}
	switch {
	case c.LoRaLoss == 0:
		c.LoRaLoss = DefaultLoRaLoss
	case c.LoRaLoss < 0:
		c.LoRaLoss = 0
	case c.LoRaLoss >= 1:
		return fmt.Errorf("%w: LoRa loss %g: a link that loses every frame carries nothing", ErrConfig, c.LoRaLoss)
	}
	if c.TxAt >= c.Duration {
		return fmt.Errorf("%w: the transactions would be queued at %v, after the end of a %v run", ErrConfig, c.TxAt, c.Duration)
	}
	if c.Premine < 101 && c.Node == "" {
		return fmt.Errorf("%w: premine %d: the first coinbase matures at height 101", ErrConfig, c.Premine)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// station is one board: a header chain, a gateway and its radios.
type station struct {
	name   string
	role   string
	chain  *headers.Chain
	gw     *gateway.Gateway
	radios []string
	queue  *txqueue.Queue    // the sender's
	sink   *gateway.NodeSink // the uplink's: where the node's headers go
}

// run is one demonstration in progress.
type run struct {
	cfg       Config
	clk       clock.Clock
	start     time.Time
	world     *sim.World
	src       source
	stations  []*station // all of them, in the order of the screen
	up, snd   *station
	receivers []*station
	mon       *monitor
	log       *slog.Logger
}

// Run runs the demonstration for cfg.Duration of simulated time and
// returns its report. The error is for a run that could not be set up or
// was cancelled; a run whose receivers did not converge or whose
// transaction was not acknowledged returns a Report with Failures.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	dir, cleanup, err := workDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	r := &run{cfg: cfg, clk: cfg.Clock, world: sim.NewWorld(cfg.Clock, cfg.Seed, cfg.Logger), log: cfg.Logger}
	defer r.closeStores()
	defer r.world.Close()
	if err := r.build(ctx, dir); err != nil {
		return nil, err
	}
	return r.play(ctx)
}

// workDir returns dir, or a new temporary folder and the function that
// removes it.
func workDir(dir string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "altnet-demo-")
	if err != nil {
		return "", nil, fmt.Errorf("demo: %w", err)
	}
	return tmp, func() { os.RemoveAll(tmp) }, nil
}

// openChain opens a station's header store, starting at the regtest
// genesis block.
func (r *run) openChain(dir, name string) (*headers.Chain, error) {
	p := headers.RegTest()
	cp := headers.GenesisCheckpoint(p)
	c, err := headers.Open(filepath.Join(dir, name, "headers"), headers.Options{Params: p, Checkpoint: &cp,
		Clock: r.clk, Logger: r.log.With("store", name)})
	if err != nil {
		return nil, fmt.Errorf("demo: %s: %w", name, err)
	}
	return c, nil
}

// closeStores closes the header stores and the sender's queue once the
// gateways have stopped.
func (r *run) closeStores() {
	for _, s := range r.stations {
		if s.chain != nil {
			s.chain.Close()
		}
		if s.queue != nil {
			s.queue.Close()
		}
	}
}

// play starts the gateways, the chain source and the script, and waits for
// the end of the run.
func (r *run) play(ctx context.Context) (*Report, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(r.stations)+2)
	for _, s := range r.stations {
		wg.Go(func() {
			if err := s.gw.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("demo: %s: %w", s.name, err)
			}
		})
	}
	r.start = r.clk.Now()
	r.mon = newMonitor(r)
	// The gateways subscribe to their chains as they start; give them a
	// moment of simulated time before the uplink's chain moves, so that
	// the uplink announces the tip it learns.
	r.clk.Sleep(time.Second)
	wg.Go(func() {
		if err := r.src.follow(ctx, r.up); err != nil && !errors.Is(err, context.Canceled) {
			errs <- fmt.Errorf("demo: chain source: %w", err)
		}
	})
	wg.Go(func() { r.mon.run(ctx) })
	err := r.script(ctx, errs)
	var rep *Report
	if err == nil {
		rep = r.report()
	}
	cancel()
	wg.Wait()
	return rep, err
}
