package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/altnet/altnet/board"
	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/control"
	"github.com/altnet/altnet/gateway"
	"github.com/altnet/altnet/headers"
	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/p2p"
	"github.com/altnet/altnet/txqueue"
)

// Options configure Run.
type Options struct {
	// Config is the loaded configuration, and ConfigPath the file it came
	// from: driver children (radios with process = true) read their
	// section from it.
	Config     config.Config
	ConfigPath string
	// Logger receives the daemon's logs (default: discard).
	Logger *slog.Logger
	// Version is reported in the status.
	Version string
	// OpenBoard resolves LoRa wiring for drivers in this process (default
	// board.Open).
	OpenBoard func(board.Profile) (*board.Radio, error)
	// ChildStartTimeout bounds the first start of each driver child
	// (default 1 min); later restarts are retried with backoff forever.
	ChildStartTimeout time.Duration
}

// daemon is one run of the gateway and everything around it.
type daemon struct {
	o       Options
	cfg     config.Config
	log     *slog.Logger
	started time.Time

	ctl    *control.Listener
	chain  *headers.Chain
	queue  *txqueue.Queue
	p2pLn  net.Listener
	server *p2p.Server
	client *p2p.Client
	sink   *gateway.NodeSink
	radios []*radioRun
	gw     *gateway.Gateway
}

// Run runs the daemon until ctx ends, then closes everything and returns
// nil. It returns an error, naming the configuration key where one is to
// blame, when something cannot start or the gateway fails.
func Run(ctx context.Context, o Options) error {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ChildStartTimeout <= 0 {
		o.ChildStartTimeout = time.Minute
	}
	d := &daemon{o: o, cfg: o.Config, log: o.Logger, started: time.Now()}
	defer d.close()
	if o.Config.Tx.AckKey != "" && worldReadable(o.ConfigPath) {
		d.log.Warn("daemon: the configuration file holds tx.ack_key and every user can read it; chmod o-r it",
			"config", o.ConfigPath)
	}
	if err := d.open(ctx); err != nil {
		if ctx.Err() != nil {
			d.log.Info("altnet: stopped while starting", "err", err)
			return nil // a signal during the start is a clean stop
		}
		return err
	}
	return d.run(ctx)
}

// open opens everything the configuration names. The control socket goes
// first, so that a second daemon stops before it touches any device.
func (d *daemon) open(ctx context.Context) error {
	ctl, err := control.Listen(d.cfg.Control)
	if err != nil {
		return fmt.Errorf("daemon: %w", err) // names the socket of key control
	}
	d.ctl = ctl
	if err := checkAlertCommand(d.cfg.Alert.Command); err != nil {
		return err
	}
	steps := []func() error{d.openChain, d.openQueue, d.openNode}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	if err := d.openRadios(ctx); err != nil {
		return err
	}
	gw, err := gateway.New(d.gatewayOptions())
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	d.gw = gw
	return nil
}

func (d *daemon) openQueue() error {
	q, bad, err := txqueue.Open(QueueDir(d.cfg))
	if err != nil {
		return fmt.Errorf("daemon: datadir: %w", err)
	}
	for _, b := range bad {
		d.log.Error("daemon: damaged transaction file kept aside", "err", b)
	}
	d.queue = q
	return nil
}

// openNode prepares the P2P side: a listener for a local node
// (node.listen) and a client of the full node (node.connect).
func (d *daemon) openNode() error {
	params, err := chainParams(d.cfg.Network)
	if err != nil {
		return err
	}
	if addr := d.cfg.Node.Listen; addr != "" {
		if d.server, err = p2p.NewServer(p2p.ServerConfig{Params: params, Headers: d.chain.PeerView(), Logger: d.log}); err != nil {
			return fmt.Errorf("daemon: node.listen: %w", err)
		}
		if d.p2pLn, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("daemon: node.listen: %w", err)
		}
	}
	if addr := d.cfg.Node.Connect; addr != "" {
		d.sink = gateway.NewNodeSink(d.chain)
		d.client, err = p2p.NewClient(p2p.ClientConfig{Params: params, Node: addr, Chain: d.sink, Logger: d.log})
		if err != nil {
			return fmt.Errorf("daemon: node.connect: %w", err)
		}
	}
	return nil
}

func (d *daemon) gatewayOptions() gateway.Options {
	c := d.cfg
	o := gateway.Options{
		Roles:         gateway.Roles{Uplink: c.Roles.Uplink, Receiver: c.Roles.Receiver, Sender: c.Roles.Sender},
		Chain:         d.chain,
		Drivers:       d.gatewayDrivers(),
		Assignment:    assignment(c),
		Queue:         d.queue,
		CarouselDepth: c.Broadcast.Carousel,
		HeadersPerRun: c.Broadcast.HeadersPerMessage,
		TxRepeat:      c.Tx.Repeat.Duration,
		TxAttempts:    c.Tx.Attempts,
		MaxDelay:      c.Tx.MaxDelay.Duration,
		Logger:        d.log,
	}
	if c.Tx.AckKey != "" {
		o.AckKey = []byte(c.Tx.AckKey)
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = -1 // the gateway's "none"; its zero is "default"
	}
	if d.client != nil {
		o.Node, o.NodeStatus, o.NodeHeaders = d.client, d.client.Status, d.sink
	}
	if d.server != nil {
		o.Announcer = d.server
	}
	return o
}

// run serves until ctx ends or a part fails.
func (d *daemon) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // before Wait: everything ends with run
	errs := make(chan error, 4)
	do := func(name string, f func() error) {
		wg.Go(func() {
			if err := f(); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("daemon: %s: %w", name, err)
				cancel()
			}
		})
	}
	do("gateway", func() error { return d.gw.Run(ctx) })
	do("control", func() error { return control.Serve(ctx, d.ctl, control.Handler(d), d.log) })
	if d.client != nil {
		do("node.connect", func() error { return d.client.Run(ctx) })
	}
	if d.server != nil {
		do("node.listen", func() error { return d.server.Serve(ctx, d.p2pLn) })
	}
	for _, rr := range d.radios {
		wg.Go(func() { rr.watch(ctx, d.log) })
	}
	if argv := d.cfg.Alert.Command; len(argv) > 0 {
		a := &alerter{argv: argv, env: os.Environ(), status: d.gw.Status, clock: clock.Real(), log: d.log}
		wg.Go(func() { a.run(ctx) })
	}
	d.logStart()
	<-ctx.Done()
	select {
	case err := <-errs:
		return err
	default:
		d.log.Info("altnet: stopping")
		return nil
	}
}

// logStart writes the one line that says what runs.
func (d *daemon) logStart() {
	tip := d.chain.Tip()
	var radios []string
	for _, rr := range d.radios {
		radios = append(radios, rr.describe())
	}
	attrs := []any{"version", d.o.Version, "pid", os.Getpid(), "roles", roles(d.cfg), "network", d.cfg.Network,
		"tip_height", tip.Height, "tip_hash", tip.Hash, "radios", strings.Join(radios, "; "), "control", d.cfg.Control,
		"acks_authenticated", d.cfg.Tx.AckKey != ""} // whether, never the key
	if d.cfg.Node.Connect != "" {
		attrs = append(attrs, "node", d.cfg.Node.Connect)
	}
	if d.cfg.Node.Listen != "" {
		attrs = append(attrs, "listen", d.p2pLn.Addr().String())
	}
	d.log.Info("altnet: running", attrs...)
	if !d.cfg.Roles.Uplink && !d.cfg.Roles.Receiver && !d.cfg.Roles.Sender {
		d.log.Warn("altnet: no role configured ([roles] uplink, receiver, sender): the daemon only keeps its header store")
	}
}

// roles names the configured roles, "none" for none.
func roles(c config.Config) string {
	var rs []string
	for _, r := range []struct {
		on   bool
		name string
	}{{c.Roles.Uplink, "uplink"}, {c.Roles.Receiver, "receiver"}, {c.Roles.Sender, "sender"}} {
		if r.on {
			rs = append(rs, r.name)
		}
	}
	if len(rs) == 0 {
		return "none"
	}
	return strings.Join(rs, ",")
}

// close releases everything open, in reverse order.
func (d *daemon) close() {
	var errs []error
	for i := len(d.radios) - 1; i >= 0; i-- {
		errs = append(errs, d.radios[i].drv.Close())
	}
	if d.p2pLn != nil {
		d.p2pLn.Close()
	}
	if d.queue != nil {
		errs = append(errs, d.queue.Close())
	}
	if d.chain != nil {
		errs = append(errs, d.chain.Close())
	}
	if d.ctl != nil {
		errs = append(errs, d.ctl.Release())
	}
	if err := errors.Join(errs...); err != nil {
		d.log.Warn("altnet: closing", "err", err)
	}
}

// worldReadable reports whether every user may read the file at path.
func worldReadable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().Perm()&0o004 != 0
}
