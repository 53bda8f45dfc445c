package gateway

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/headers"
	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/internal/wallet"
	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/radio/simdriver"
	"github.com/altnet/altnet/sim/simnode"
	"github.com/altnet/altnet/txqueue"
	"github.com/btcsuite/btcd/wire"
)

var (
	start = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	sf7   = lora.Modem{SF: lora.SF7, Bandwidth: lora.BW125, CodingRate: lora.CR4_5, Preamble: 8, CRC: true}
	ch    = medium.Channel{Frequency: 869_525_000, Modulation: "lora sf7 bw125"}
)

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// bed is what the tests' worlds share: a clock, a simulated medium, and
// the gateways, header chains and radios on them.
type bed struct {
	t      *testing.T
	clk    clock.Clock
	air    *medium.Medium
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newBed(t *testing.T, clk clock.Clock, seed uint64) bed {
	ctx, cancel := context.WithCancel(context.Background())
	return bed{t: t, clk: clk, air: medium.New(medium.Options{Clock: clk, Seed: seed}), ctx: ctx, cancel: cancel}
}

// world is an uplink fed by a simulated node, and receivers on a
// simulated medium, inside one synctest bubble.
type world struct {
	bed
	node *simnode.Node
	key  *wallet.Key
}

func newWorld(t *testing.T) *world {
	clk := clock.StartingAt(clock.Real(), start)
	key := wallet.NewKey("gateway test")
	return &world{bed: newBed(t, clk, 7), node: simnode.New(key, clk), key: key}
}

// start registers the shutdown; call it after the chains are open, so
// that the gateways stop before the chains close.
func (w *bed) start() {
	w.t.Cleanup(func() {
		w.cancel()
		w.wg.Wait()
	})
}

// chain opens a regtest header store from genesis; name is for the reader.
func (w *bed) chain(name string) *headers.Chain {
	w.t.Helper()
	p := headers.RegTest()
	cp := headers.GenesisCheckpoint(p)
	c, err := headers.Open(w.t.TempDir(), headers.Options{Params: p, Checkpoint: &cp, Clock: w.clk})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { c.Close() })
	return c
}

// driver attaches an SF7 LoRa-like radio with 10 % duty cycle to the medium.
func (w *bed) driver(name string, dir radio.Direction) *simdriver.Driver {
	w.t.Helper()
	d, err := simdriver.Open(simdriver.Options{Name: name, Medium: w.air, Channel: ch, Direction: dir, MTU: 255,
		BitRate: 5470, Airtime: sf7.Airtime, Window: time.Hour, Allowed: 360 * time.Second})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { d.Close() })
	return d
}

// run starts a gateway until the test ends.
func (w *bed) run(name string, o Options) *Gateway {
	w.t.Helper()
	o.Clock, o.Seed, o.Logger = w.clk, 1, testLogger(w.t).With("gw", name)
	g, err := New(o)
	if err != nil {
		w.t.Fatal(err)
	}
	w.wg.Go(func() {
		if err := g.Run(w.ctx); !errors.Is(err, context.Canceled) {
			w.t.Errorf("%s ended with %v", name, err)
		}
	})
	return g
}

// followingUplink mines blocks on the node, opens an uplink chain and one
// more chain per name in others, starts the world, and returns once the
// uplink's chain follows the node.
func (w *world) followingUplink(blocks int, others ...string) (*headers.Chain, []*headers.Chain) {
	w.t.Helper()
	w.node.Mine(blocks)
	up := w.chain("up")
	var cs []*headers.Chain
	for _, name := range others {
		cs = append(cs, w.chain(name))
	}
	w.start()
	w.wg.Go(func() { w.node.Follow(w.ctx, up.PeerView()) })
	w.waitFor(time.Minute, "the uplink did not follow its node", func() bool { return sameTip(up, w.node) })
	return up, cs
}

// spendAndTwin returns a spend of the coinbase at height to the world's
// key and a copy of it with a broken signature (same txid, other wtxid).
func (w *world) spendAndTwin(height int32) (good, twin *wire.MsgTx) {
	w.t.Helper()
	op, v, err := w.node.Coinbase(height)
	if err != nil {
		w.t.Fatal(err)
	}
	if good, err = w.key.Spend(op, v, 1000); err != nil {
		w.t.Fatal(err)
	}
	if twin, err = wallet.BreakSignature(good); err != nil {
		w.t.Fatal(err)
	}
	return good, twin
}

// queue opens a transaction queue in a temporary folder.
func (w *bed) queue() *txqueue.Queue {
	w.t.Helper()
	q, bad, err := txqueue.Open(w.t.TempDir())
	if err != nil || len(bad) > 0 {
		w.t.Fatal(err, bad)
	}
	return q
}

// enqueue queues tx, as `altnet tx send` does.
func (w *bed) enqueue(q *txqueue.Queue, tx *wire.MsgTx) {
	w.t.Helper()
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		w.t.Fatal(err)
	}
	if _, err := q.Add(b.Bytes(), "", w.clk.Now()); err != nil {
		w.t.Fatal(err)
	}
}

// waitFor sleeps in steps of a minute of fake time until cond holds or
// limit passes.
func (w *world) waitFor(limit time.Duration, what string, cond func() bool) {
	w.t.Helper()
	for end := w.clk.Now().Add(limit); !cond(); {
		if w.clk.Now().After(end) {
			w.t.Fatalf("after %v: %s", limit, what)
		}
		time.Sleep(time.Minute)
	}
}

func sameTip(a *headers.Chain, node *simnode.Node) bool {
	h, height := node.Tip()
	t := a.Tip()
	return t.Height == height && t.Hash == h.BlockHash()
}

// TestRolesEndToEnd runs an uplink fed by a simulated node, a receiver on a
// one-way link with 20 % frame loss, and a receiver-sender on a two-way
// link. Both receivers converge on the node's chain, follow new blocks and
// a reorg, and the sender's transactions are pushed into the node and
// acknowledged: accepted, and rejected with the node's reason.
func TestRolesEndToEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.node.Mine(130)
		upChain, rx1Chain, rx2Chain := w.chain("up"), w.chain("rx1"), w.chain("rx2")
		w.start()
		w.wg.Go(func() { w.node.Follow(w.ctx, upChain.PeerView()) })

		up := w.driver("up", radio.TwoWay)
		rx1 := w.driver("rx1", radio.ReceiveOnly)
		rx2 := w.driver("rx2", radio.TwoWay)
		w.air.Connect("up", "rx1", medium.Link{Loss: 0.2, RSSI: -110, SNR: -5})
		w.air.ConnectBoth("up", "rx2", medium.Link{Loss: 0.05, RSSI: -90, SNR: 8})

		q := w.queue()
		w.run("up", Options{Roles: Roles{Uplink: true}, Chain: upChain, Node: w.node, MaxDelay: time.Minute,
			Drivers: []Driver{{Driver: up, Carousel: true, Redundancy: link.Redundancy{Loss: 0.2, Target: 0.99}}}})
		w.run("rx1", Options{Roles: Roles{Receiver: true}, Chain: rx1Chain, Drivers: []Driver{{Driver: rx1}}})
		g2 := w.run("rx2", Options{Roles: Roles{Receiver: true, Sender: true}, Chain: rx2Chain, Queue: q,
			Drivers: []Driver{{Driver: rx2, Redundancy: link.Redundancy{Extra: 1}}}})

		w.waitFor(3*time.Hour, "receivers did not reach the node's tip", func() bool {
			return sameTip(upChain, w.node) && sameTip(rx1Chain, w.node) && sameTip(rx2Chain, w.node)
		})
		t.Logf("%v: both receivers at height %d", w.clk.Now().Sub(start), rx1Chain.Tip().Height)

		// New blocks, then a reorg of depth 3 replaced by 5 blocks.
		w.node.Mine(3)
		w.waitFor(time.Hour, "receivers did not follow new blocks", func() bool {
			return sameTip(rx1Chain, w.node) && sameTip(rx2Chain, w.node)
		})
		if _, err := w.node.Reorg(3, 5); err != nil {
			t.Fatal(err)
		}
		w.waitFor(2*time.Hour, "receivers did not follow the reorg", func() bool {
			return sameTip(rx1Chain, w.node) && sameTip(rx2Chain, w.node)
		})

		// Emergency transactions: a good spend and one with a broken
		// signature.
		spend := func(height int32) *wire.MsgTx {
			op, v, err := w.node.Coinbase(height)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := w.key.Spend(op, v, 1000)
			if err != nil {
				t.Fatal(err)
			}
			return tx
		}
		good := spend(1)
		bad, err := wallet.BreakSignature(spend(2))
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range []*wire.MsgTx{good, bad} {
			w.enqueue(q, tx)
		}
		w.waitFor(time.Hour, "transactions not acknowledged", func() bool {
			g, _ := q.Get(good.TxHash())
			b, _ := q.Get(bad.TxHash())
			return g.State.Final() && b.State.Final()
		})
		if e, _ := q.Get(good.TxHash()); e.State != txqueue.Accepted || !w.node.InMempool(good.TxHash()) {
			t.Fatalf("good transaction: %+v, in mempool %v", e, w.node.InMempool(good.TxHash()))
		}
		if e, _ := q.Get(bad.TxHash()); e.State != txqueue.Rejected || e.Code != uint8(wire.RejectInvalid) {
			t.Fatalf("bad transaction: %+v", e)
		}
		t.Logf("%v: both transactions acknowledged", w.clk.Now().Sub(start))
		st := g2.Status()
		t.Logf("rx2 counters %+v, link %+v", st.Counters, st.Link)
		if st.Chain.Height != rx2Chain.Tip().Height || st.Counters.AcksHeard != 2 || st.Radio.Height == 0 {
			t.Fatalf("status %+v", st)
		}
	})
}

// countingAnnouncer counts the receiver's announcements to its node.
type countingAnnouncer struct {
	mu sync.Mutex
	n  int
}

func (a *countingAnnouncer) Announce() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
}

func (a *countingAnnouncer) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

// TestRadioAheadOfNode: a receiver whose own node is stuck on a branch with
// less work (cut off, or fed by an attacker) learns the better chain by
// radio, switches to it, announces it to its node and says so in its status.
func TestRadioAheadOfNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.node.Mine(60)
		// The receiver's node mined its own 40 blocks an hour later: a
		// different, shorter branch.
		time.Sleep(time.Hour)
		local := simnode.New(wallet.NewKey("eclipsed node"), w.clk)
		local.Mine(40)
		upChain, rxChain := w.chain("up"), w.chain("rx")
		w.start()
		w.wg.Go(func() { w.node.Follow(w.ctx, upChain.PeerView()) })
		sink := NewNodeSink(rxChain)
		w.wg.Go(func() { local.Follow(w.ctx, sink) })

		up := w.driver("up", radio.TransmitOnly)
		rx := w.driver("rx", radio.ReceiveOnly)
		w.air.Connect("up", "rx", medium.Link{})
		ann := &countingAnnouncer{}
		w.run("up", Options{Roles: Roles{Uplink: true}, Chain: upChain,
			Drivers: []Driver{{Driver: up, Carousel: true, Redundancy: link.Redundancy{Extra: 1}}}})
		g := w.run("rx", Options{Roles: Roles{Receiver: true}, Chain: rxChain, NodeHeaders: sink, Announcer: ann,
			Drivers: []Driver{{Driver: rx}}})

		w.waitFor(time.Hour, "the receiver did not switch to the radio's chain", func() bool {
			return sameTip(rxChain, w.node)
		})
		st := g.Status()
		if !st.RadioAhead || st.Node.Height != 40 || st.Radio.Height != 60 || st.Chain.Height != 60 {
			t.Fatalf("status: radio ahead %v, node %+v, radio %+v, chain %+v", st.RadioAhead, st.Node, st.Radio, st.Chain)
		}
		if ann.count() == 0 {
			t.Fatal("the receiver never announced the better chain to its node")
		}
	})
}
