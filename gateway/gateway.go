package gateway

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/altnet/altnet/headers"
	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/p2p"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/traffic"
	"github.com/altnet/altnet/txqueue"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Roles chooses what a gateway does; any mix is allowed.
type Roles struct {
	Uplink   bool `json:"uplink"`
	Receiver bool `json:"receiver"`
	Sender   bool `json:"sender"`
}

// TxPusher is the full node an uplink pushes radio transactions into: a
// *p2p.Client, or the simulator's node.
type TxPusher interface {
	SendTx(ctx context.Context, tx *wire.MsgTx) (p2p.TxResult, error)
}

// Announcer tells a local node about a better chain: a *p2p.Server.
type Announcer interface {
	Announce()
}

// Driver is one radio with the way the gateway uses it.
type Driver struct {
	radio.Driver
	// Redundancy is the forward error correction of its messages.
	Redundancy link.Redundancy
	// Carousel makes an uplink repeat recent headers on it.
	Carousel bool
	// CarouselGap is the pause between two carousel messages (zero: none,
	// the budget and its reserve pace the carousel, which then spends its
	// share of the window in one burst and falls silent until the window
	// rolls on). A gap spreads the carousel over time, so that a receiver
	// that joins late, or an update after a reorganisation, is heard soon.
	CarouselGap time.Duration
	// CarouselDepth is how many recent headers it repeats (default
	// Options.CarouselDepth): a deep history on a fast or unrationed
	// radio, a day on a rationed one.
	CarouselDepth int
}

// Options configure a Gateway.
type Options struct {
	Roles Roles
	// Chain is the header chain, opened by the caller.
	Chain *headers.Chain
	// Drivers are the radios; Assignment says which message types go out
	// on which of them (nil: every type on every sending driver).
	Drivers    []Driver
	Assignment traffic.Assignment
	// Node is where an uplink pushes radio transactions (required for an
	// uplink that should push them; nil: they are only logged).
	Node TxPusher
	// NodeStatus optionally reports the state of the connection to the
	// full node (a *p2p.Client's Status method), for the status.
	NodeStatus func() p2p.Status
	// NodeHeaders is the sink the P2P client hands the node's headers to,
	// so that the gateway knows the node's tip and can warn when the
	// radio sees more work.
	NodeHeaders *NodeSink
	// Announcer tells a receiver's local node about a better chain.
	Announcer Announcer
	// Queue holds a sender's emergency transactions.
	Queue *txqueue.Queue
	// CarouselDepth is how many recent headers an uplink repeats on a
	// driver that sets none (default 144; the carousel holds the deepest
	// carousel driver's), and HeadersPerRun how many go in one header-run
	// message (default 16).
	CarouselDepth int
	HeadersPerRun int
	// HeldRunBytes bounds the header runs a receiver holds when they
	// arrive ahead of its chain, until the runs before them arrive
	// (default 1 MiB, about 25,000 headers; negative: none are held, and
	// on a one-way link each lost run then costs a carousel pass).
	HeldRunBytes int
	// TxRepeat is how long a sender waits for an acknowledgement before
	// sending a transaction again (default 10 min; at least the link's
	// duplicate window, 5 min), and TxAttempts how many times it sends one
	// (default 12).
	TxRepeat   time.Duration
	TxAttempts int
	// MaxDelay bounds the random delay before an uplink pushes a radio
	// transaction into its node (default 2 min; negative: none).
	MaxDelay time.Duration
	// AckKey, when set, is the key an uplink and its senders share: the
	// uplink tags its acknowledgements with it (link.TxAck.Sign), and a
	// sender believes only acknowledgements tagged with it, so that
	// nobody else in range can end its repeats with a forged one.
	AckKey []byte
	// RequestInterval is the least time between two header requests a
	// receiver sends on one driver (default 2 min).
	RequestInterval time.Duration
	// Clock drives everything (default: the real clock); Seed, when not
	// zero, makes the random delays reproducible (simulator, tests).
	Clock  clock.Clock
	Seed   uint64
	Logger *slog.Logger
}

// Gateway runs the configured roles. Create it with New and start it with
// Run.
type Gateway struct {
	o        Options
	chain    *headers.Chain
	net      link.Network
	sched    *traffic.Scheduler
	recv     *link.Receiver
	drivers  map[string]Driver
	clock    clock.Clock
	log      *slog.Logger
	base     int32 // lowest height a run's history may reach: the checkpoint
	pushSema chan struct{}
	pushes   sync.WaitGroup // the pushes under way; Run waits for them
	ackTo    []string       // two-way drivers assigned acknowledgements
	carousel bool           // an uplink with a driver that runs the carousel
	held     heldRuns       // receiver: header runs heard ahead of the chain

	mu          sync.Mutex
	rng         *mrand.Rand
	pushed      map[chainhash.Hash]pushRecord // uplink: outcomes by wtxid
	pending     int                           // uplink: pushes waiting or under way
	requested   map[string]time.Time          // receiver: last header request per driver
	answered    map[string]time.Time          // uplink: last header-request answer per driver
	announced   int32                         // receiver: highest tip height heard announced
	requestedAt int32                         // receiver: the tip's height at the last header request
	unsent      map[chainhash.Hash]time.Time  // sender: last warning about a transaction not queued
	sideTips    []chainhash.Hash              // receiver: side-branch tips heard by radio, oldest first
	radioTip    tipRecord                     // receiver: best header learned by radio
	counters    Counters
}

type pushRecord struct {
	res  p2p.TxResult
	at   time.Time
	busy bool // a push is under way
}

// tipRecord is a header with its height, hash and chain work.
type tipRecord struct {
	Height int32
	Hash   chainhash.Hash
	Work   string // hexadecimal chain work
	At     time.Time
}

// Defaults.
const (
	DefaultCarouselDepth   = 144
	DefaultHeadersPerRun   = 16
	DefaultTxRepeat        = 10 * time.Minute
	DefaultTxAttempts      = 12
	DefaultMaxDelay        = 2 * time.Minute
	DefaultRequestInterval = 2 * time.Minute
	DefaultHeldRunBytes    = 1 << 20
	// maxHistory is the most headers a header run's codec learns from.
	maxHistory = 2016
	// maxPushes bounds the radio transactions being pushed at once, and
	// maxPending those waiting for their random delay or a push slot: a
	// flood of transactions over radio cannot grow memory or goroutines
	// past it (the senders repeat what is dropped).
	maxPushes  = 16
	maxPending = 64
	// pushTimeout bounds one push into the node.
	pushTimeout = 10 * time.Minute
	// pushMemory is how long an uplink remembers a push's outcome, to
	// acknowledge a repeated transaction without pushing it again.
	pushMemory = 6 * time.Hour
	// maxPushRecords bounds that memory.
	maxPushRecords = 4096
	// maxRequest is the most headers one header request asks for, and
	// maxAnswer the most an uplink sends in one answer (16 runs of 16:
	// about half a minute of SF7 airtime). A receiver further behind
	// asks again once the answer is in.
	maxRequest = 2000
	maxAnswer  = 256
	// answerInterval is the least time between two answers on one radio.
	answerInterval = time.Minute
)

// ErrNoChain is returned by New without a chain.
var ErrNoChain = errors.New("gateway: no header chain")

// New checks the options and builds the gateway's scheduler and receiver.
func New(o Options) (*Gateway, error) {
	if o.Chain == nil {
		return nil, ErrNoChain
	}
	if o.Roles.Sender && o.Queue == nil {
		return nil, errors.New("gateway: the sender role needs a transaction queue")
	}
	setDefaults(&o)
	net, err := link.ParseNetwork(o.Chain.Params().Name)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g := &Gateway{
		o: o, chain: o.Chain, net: net, clock: o.Clock, log: o.Logger,
		drivers:   make(map[string]Driver),
		pushSema:  make(chan struct{}, maxPushes),
		pushed:    make(map[chainhash.Hash]pushRecord),
		requested: make(map[string]time.Time),
		answered:  make(map[string]time.Time),
		unsent:    make(map[chainhash.Hash]time.Time),
		base:      o.Chain.Checkpoint().Height,
		rng:       newRand(o.Seed),
		held:      heldRuns{wake: make(chan struct{}, 1), maxBytes: max(o.HeldRunBytes, 0)},
	}
	var dcs []traffic.DriverConfig
	held := 0                           // the deepest carousel driver's depth: what the carousel holds
	o.Drivers = slices.Clone(o.Drivers) // the caller's stay as they are
	for i := range o.Drivers {
		d := &o.Drivers[i]
		if d.CarouselDepth <= 0 {
			d.CarouselDepth = o.CarouselDepth
		}
		if d.Carousel && o.Roles.Uplink {
			held = max(held, d.CarouselDepth)
		}
	}
	if held > 0 {
		o.CarouselDepth = held
	}
	for _, d := range o.Drivers {
		if _, dup := g.drivers[d.Name()]; dup {
			return nil, fmt.Errorf("gateway: two drivers named %q", d.Name())
		}
		g.drivers[d.Name()] = d
		g.carousel = g.carousel || (d.Carousel && o.Roles.Uplink)
		if d.Capabilities().Direction == radio.TwoWay && carries(o.Assignment, d.Name(), link.TypeTxAck) {
			g.ackTo = append(g.ackTo, d.Name())
		}
		dcs = append(dcs, traffic.DriverConfig{Driver: d.Driver, Redundancy: d.Redundancy, Carousel: d.Carousel && o.Roles.Uplink,
			CarouselGap: d.CarouselGap, CarouselDepth: d.CarouselDepth})
	}
	g.sched, err = traffic.New(traffic.Options{Network: net, Drivers: dcs, Assignment: o.Assignment,
		CarouselDepth: o.CarouselDepth, Clock: o.Clock, Logger: o.Logger})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g.recv, err = link.NewReceiver(net, link.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if o.TxRepeat < link.DefaultLimits.DoneFor {
		return nil, fmt.Errorf("gateway: transactions repeated every %v would be dropped as duplicates; repeat at least every %v", o.TxRepeat, link.DefaultLimits.DoneFor)
	}
	return g, nil
}

func setDefaults(o *Options) {
	o.Clock = clock.OrReal(o.Clock)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CarouselDepth <= 0 {
		o.CarouselDepth = DefaultCarouselDepth
	}

	if o.HeldRunBytes == 0 {
		o.HeldRunBytes = DefaultHeldRunBytes
	}
	if o.HeadersPerRun <= 0 {
		o.HeadersPerRun = DefaultHeadersPerRun
	}
	o.HeadersPerRun = min(o.HeadersPerRun, link.MaxRunCount)
	if o.TxRepeat <= 0 {
		o.TxRepeat = DefaultTxRepeat
	}
	if o.TxAttempts <= 0 {
		o.TxAttempts = DefaultTxAttempts
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.RequestInterval <= 0 {
		o.RequestInterval = DefaultRequestInterval
	}
}

// carries reports whether the assignment lets driver send messages of
// type t (a type without an entry goes to every driver).
func carries(a traffic.Assignment, driver string, t link.Type) bool {
	names, ok := a[t]
	return !ok || slices.Contains(names, driver)
}

// newRand seeds the delays: from the seed when given, otherwise from the
// system's random source, so that push timing cannot be predicted.
func newRand(seed uint64) *mrand.Rand {
	if seed == 0 {
		var b [16]byte
		_, _ = rand.Read(b[:])
		return mrand.New(mrand.NewPCG(binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])))
	}
	return mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Run runs the gateway until ctx ends. It returns once everything it
// started has stopped, pushes into the node included.
func (g *Gateway) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sub := g.chain.Subscribe(64)
	defer sub.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	wg.Go(func() {
		if err := g.sched.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			select {
			case errs <- err:
			default:
			}
			cancel()
		}
	})
	if rx := g.receiving(); len(rx) > 0 {
		wg.Go(func() {
			traffic.Listen(ctx, traffic.Listener{Drivers: rx, Receiver: g.recv, Clock: g.clock, Logger: g.log},
				func(in traffic.Incoming) { g.handle(ctx, in) })
		})
	}
	if g.carousel {
		g.fillCarousel()
	}
	if tip := g.chain.Tip(); g.o.Roles.Uplink && tip.Height > g.base {
		// Announce where the chain stands at once: a two-way receiver
		// that is behind asks for what it lacks without waiting for the
		// next block.
		g.sendTip(tip)
	}
	wg.Go(func() { g.followChain(ctx, sub) })
	if g.o.Roles.Receiver {
		wg.Go(func() { g.followUpRequests(ctx) })
		wg.Go(func() { g.decodeHeld(ctx) })
	}
	if g.o.Roles.Sender {
		wg.Go(func() { g.runSender(ctx) })
	}
	<-ctx.Done()
	wg.Wait()
	g.pushes.Wait() // started only by the listeners, which have stopped
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

// receiving returns the drivers that can receive.
func (g *Gateway) receiving() []radio.Driver {
	var ds []radio.Driver
	for _, d := range g.o.Drivers {
		if d.Capabilities().Direction.CanReceive() {
			ds = append(ds, d.Driver)
		}
	}
	return ds
}

// handle dispatches one message heard on a radio. It is called from the
// listen loop and must not block for long; ctx is Run's.
func (g *Gateway) handle(ctx context.Context, in traffic.Incoming) {
	switch m := in.Message.(type) {
	case link.HeaderRun:
		if g.o.Roles.Receiver {
			g.onHeaderRun(in, m)
		}
	case link.Tip:
		if g.o.Roles.Receiver {
			g.onTip(in, m)
		}
	case link.HeaderRequest:
		if g.o.Roles.Uplink {
			g.onHeaderRequest(in, m)
		}
	case link.Tx:
		if g.o.Roles.Uplink {
			g.onTx(ctx, in, m)
		}
	case link.TxAck:
		if g.o.Roles.Sender {
			g.onAck(in, m)
		}
	}
}

// followChain reacts to changes of the best chain until ctx ends.
func (g *Gateway) followChain(ctx context.Context, sub *headers.Subscription) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-sub.Events():
			if !ok {
				return // the chain was closed
			}
			g.onChainEvent(ev)
		}
	}
}

// onChainEvent broadcasts a new tip (uplink) and tells the node and the
// operator about it (receiver).
func (g *Gateway) onChainEvent(ev headers.Event) {
	if ev.Kind == headers.EventReorg {
		g.log.Warn("gateway: chain reorganised", "fork_height", ev.ForkHeight, "depth", ev.Depth,
			"new_tip", ev.Tip.Hash, "height", ev.Tip.Height)
	}
	if g.o.Roles.Uplink {
		from := ev.OldTip.Height + 1
		if ev.Kind == headers.EventReorg {
			from = ev.ForkHeight + 1
		}
		if ev.Missed > 0 {
			// Events were dropped while this loop was busy: what they
			// changed is unknown, so the whole carousel is encoded again.
			from = 0
		}
		if g.carousel {
			g.refreshCarousel(from)
		}
		g.sendTip(ev.Tip)
	}
	if g.o.Roles.Receiver {
		g.held.kick() // the chain may have grown from the node: held runs may fit now
	}
	g.noteTip()
}
