// Package simtnc is a simulated KISS TNC on the simulated air of
// radio/medium: the packet-radio counterpart of a hardware TNC or
// Direwolf, for tests and the simulator.
//
// The host side speaks KISS over an in-memory, channel-based stream (Dial),
// so the tnc driver runs against it unchanged and a testing/synctest bubble
// sees every wait as durable. The radio side has the real timing of the
// channel: TXDELAY, HDLC flags, the frame bit-stuffed with its FCS, and
// TXTAIL, at 1200 baud (modulation "afsk1200") or 9600 baud ("fsk9600").
// Channel access is Direwolf's: wait while the carrier is up (checked every
// 10 ms), then one slot time, then transmit with probability
// (PERSIST+1)/256, and give up on a frame after 60 s of busy channel.
// Frames queued when the channel is won go out in one transmission, sharing
// TXDELAY and TXTAIL. Received frames whose FCS fails are dropped.
package simtnc

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/radio/medium"
)

// Modulations the simulated TNC speaks, as medium.Channel.Modulation.
const (
	AFSK1200 = "afsk1200"
	FSK9600  = "fsk9600"
)

// Channel-access constants (Direwolf's xmit.c).
const (
	// DCDPoll is how often a waiting TNC checks the carrier.
	DCDPoll = 10 * time.Millisecond
	// BusyLimit is how long a frame waits for a clear channel before the
	// TNC discards it.
	BusyLimit = 60 * time.Second
)

// Config configures a simulated TNC.
type Config struct {
	// Name is the node's name on the medium.
	Name string
	// Channel is the frequency and modulation (AFSK1200 or FSK9600).
	Channel medium.Channel
	// TXDelay, Persistence, SlotTime, TXTail and FullDuplex are the
	// channel-access parameters until a host changes them with KISS
	// commands; zero values take Direwolf's defaults (300 ms, 63, 100 ms,
	// 100 ms, half duplex).
	TXDelay     time.Duration
	Persistence uint8
	SlotTime    time.Duration
	TXTail      time.Duration
	FullDuplex  bool
	// Seed makes the p-persistence draws reproducible.
	Seed uint64
	// Queue is how many frames may wait for the channel; 64 when zero.
	Queue int
	// Logger receives one debug line per transmission; discarded when nil.
	Logger *slog.Logger
}

// params are the live channel-access parameters.
type params struct {
	txDelay, slotTime, txTail time.Duration
	persist                   uint8
	fullDuplex                bool
}

// Stats counts a simulated TNC's traffic.
type Stats struct {
	Transmitted int64 // frames put on the air
	Received    int64 // frames passed to the host
	FCSErrors   int64 // frames heard with a bad FCS
	BadLength   int64 // frames dropped for a length outside 15..2123 octets
	QueueFull   int64 // host frames dropped because the queue was full
	BusyDropped int64 // frames discarded after BusyLimit of busy channel
	HostOverrun int64 // received frames a host did not read in time
	OtherPort   int64 // host frames for a port other than 0
}

// TNC is a simulated KISS TNC attached to a medium. It is safe for
// concurrent use.
type TNC struct {
	name    string
	node    *medium.Node
	ch      medium.Channel
	bitRate int
	clock   clock.Clock
	log     *slog.Logger
	txq     chan []byte
	rng     *rand.Rand // used by the transmit goroutine only

	mu      sync.Mutex
	p       params
	clients map[*pipeEnd]struct{}

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	transmitted, received, fcsErrors, badLength atomic.Int64
	queueFull, busyDropped, hostOverrun         atomic.Int64
	otherPort                                   atomic.Int64
}

// New attaches a TNC named cfg.Name to m, tunes it to cfg.Channel and
// starts its transmitter. It uses m's clock.
func New(m *medium.Medium, cfg Config) (*TNC, error) {
	rate, err := bitRate(cfg.Channel.Modulation)
	if err != nil {
		return nil, err
	}
	if cfg.Queue < 0 || cfg.TXDelay < 0 || cfg.SlotTime < 0 || cfg.TXTail < 0 {
		return nil, fmt.Errorf("simtnc: negative queue %d or time (TXDELAY %v, SLOTTIME %v, TXTAIL %v)",
			cfg.Queue, cfg.TXDelay, cfg.SlotTime, cfg.TXTail)
	}
	t := &TNC{
		name: cfg.Name, ch: cfg.Channel, bitRate: rate, clock: m.Clock(),
		log:     cfg.Logger,
		txq:     make(chan []byte, cmp.Or(cfg.Queue, 64)),
		rng:     rand.New(rand.NewPCG(cfg.Seed, 0x5EED)),
		p:       cfg.params(),
		clients: make(map[*pipeEnd]struct{}),
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if t.node, err = m.Attach(cfg.Name, t.deliver); err != nil {
		return nil, fmt.Errorf("simtnc: %w", err)
	}
	t.node.Listen(cfg.Channel)
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.wg.Add(1)
	go t.txLoop()
	return t, nil
}

func bitRate(modulation string) (int, error) {
	switch modulation {
	case AFSK1200:
		return ax25.Rate1200, nil
	case FSK9600:
		return ax25.Rate9600, nil
	}
	return 0, fmt.Errorf("simtnc: modulation %q, want %q or %q", modulation, AFSK1200, FSK9600)
}

func (c Config) params() params {
	return params{
		txDelay: cmp.Or(c.TXDelay, 300*time.Millisecond), persist: cmp.Or(c.Persistence, 63),
		slotTime: cmp.Or(c.SlotTime, 100*time.Millisecond), txTail: cmp.Or(c.TXTail, 100*time.Millisecond),
		fullDuplex: c.FullDuplex,
	}
}

// Dial connects a new host to the TNC and returns the host's end of the
// KISS stream. Like Direwolf's KISS port, every connected host receives
// every frame heard; what one host sends is not echoed to the others.
func (t *TNC) Dial(ctx context.Context) (io.ReadWriteCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	host, tnc := newPipe()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctx.Err() != nil {
		return nil, fmt.Errorf("simtnc: %s is closed", t.name)
	}
	t.clients[tnc] = struct{}{}
	t.wg.Add(1)
	go t.hostLoop(tnc)
	return host, nil
}

// String names the TNC for logs.
func (t *TNC) String() string { return "simtnc " + t.name }

// Timing returns the channel model with the current parameters.
func (t *TNC) Timing() ax25.Timing {
	t.mu.Lock()
	defer t.mu.Unlock()
	return ax25.Timing{BitRate: t.bitRate, TXDelay: t.p.txDelay, TXTail: t.p.txTail}
}

// Unplug drops every host connection, as a pulled USB cable or a
// restarted Direwolf would. Hosts can Dial again.
func (t *TNC) Unplug() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.clients {
		c.Close()
		delete(t.clients, c)
	}
}

// Stats returns the TNC's counters.
func (t *TNC) Stats() Stats {
	return Stats{
		Transmitted: t.transmitted.Load(), Received: t.received.Load(),
		FCSErrors: t.fcsErrors.Load(), BadLength: t.badLength.Load(),
		QueueFull: t.queueFull.Load(), BusyDropped: t.busyDropped.Load(),
		HostOverrun: t.hostOverrun.Load(), OtherPort: t.otherPort.Load(),
	}
}

// Close disconnects every host, stops the transmitter and stops listening.
// It is idempotent.
func (t *TNC) Close() error {
	t.once.Do(func() {
		t.mu.Lock()
		t.cancel()
		t.mu.Unlock()
		t.Unplug()
		t.wg.Wait()
		t.node.Standby()
	})
	return nil
}
