package gateway

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/compress"
	"github.com/altnet/altnet/p2p"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/radio/simdriver"
	"github.com/altnet/altnet/radio/traffic"
	"github.com/altnet/altnet/txqueue"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// pusher is a node that counts the pushes it gets and, when block is set,
// holds each until its context ends.
type pusher struct {
	block bool
	mu    sync.Mutex
	calls map[chainhash.Hash]int
	busy  int // pushes in SendTx now
	most  int // the most at once
	ended int // pushes that returned
	in    chan struct{}
}

func newPusher(block bool) *pusher {
	return &pusher{block: block, calls: map[chainhash.Hash]int{}, in: make(chan struct{}, 1000)}
}

func (p *pusher) SendTx(ctx context.Context, tx *wire.MsgTx) (p2p.TxResult, error) {
	p.mu.Lock()
	p.calls[tx.TxHash()]++
	p.busy++
	p.most = max(p.most, p.busy)
	p.mu.Unlock()
	p.in <- struct{}{}
	defer func() {
		p.mu.Lock()
		p.busy--
		p.ended++
		p.mu.Unlock()
	}()
	if p.block {
		<-ctx.Done()
		return p2p.TxResult{TxID: tx.TxHash()}, ctx.Err()
	}
	return p2p.TxResult{TxID: tx.TxHash(), Status: p2p.TxAccepted}, nil
}

func (p *pusher) stats() (calls map[chainhash.Hash]int, most, ended int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[chainhash.Hash]int{}
	for k, v := range p.calls {
		out[k] = v
	}
	return out, p.most, p.ended
}

// testTx returns a signed transaction spending a made-up output number i.
func (w *world) testTx(i uint32) *wire.MsgTx {
	w.t.Helper()
	tx, err := w.key.Spend(wire.OutPoint{Hash: chainhash.Hash{1, 2, 3}, Index: i}, 100_000, 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	return tx
}

// transmit sends tx over d as a sender would, once.
func transmit(t *testing.T, d *simdriver.Driver, tx *wire.MsgTx) {
	t.Helper()
	data, err := compress.EncodeMsgTx(nil, tx)
	if err != nil {
		t.Fatal(err)
	}
	enc := link.Encoder{Network: link.Regtest, MTU: d.Capabilities().MTU, Airtime: d.Airtime}
	out, err := enc.Encode(link.Tx{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	frames, err := out.Frames(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := d.Send(t.Context(), f); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPushEndsWithRun: a push into a node that does not answer ends when
// the gateway's Run ends, and Run returns only after it, so nothing the
// gateway started outlives it (the daemon closes the node's connection and
// the chain after Run).
func TestPushEndsWithRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		c := w.chain("up")
		node := newPusher(true)
		up := w.driver("up", radio.TwoWay)
		snd := w.driver("snd", radio.TwoWay)
		w.air.Connect("snd", "up", medium.Link{})
		g, err := New(Options{Roles: Roles{Uplink: true}, Chain: c, Node: node, MaxDelay: -1, Clock: w.clk,
			Drivers: []Driver{{Driver: up}}, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- g.Run(ctx) }()
		transmit(t, snd, w.testTx(1))
		<-node.in
		cancel()
		<-done
		if _, _, ended := node.stats(); ended != 1 {
			t.Fatal("Run returned while a push into the node was still under way")
		}
	})
}

// TestRadioTxFloodBounded: a flood of distinct transactions over radio,
// with a node that never answers, holds at most maxPushes pushes at once
// and maxPending waiting, however many arrive.
func TestRadioTxFloodBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		c := w.chain("up")
		w.start()
		node := newPusher(true)
		up := w.driver("up", radio.TwoWay)
		snd, err := simdriver.Open(simdriver.Options{Name: "snd", Medium: w.air, Channel: ch, Direction: radio.TwoWay,
			MTU: 255, BitRate: 5470, Airtime: sf7.Airtime})
		if err != nil {
			t.Fatal(err)
		}
		defer snd.Close()
		w.air.Connect("snd", "up", medium.Link{})
		g := w.run("up", Options{Roles: Roles{Uplink: true}, Chain: c, Node: node, MaxDelay: time.Second,
			Drivers: []Driver{{Driver: up}}})
		const n = 3 * maxPending
		for i := range n {
			transmit(t, snd, w.testTx(uint32(i)))
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		calls, most, _ := node.stats()
		g.mu.Lock()
		pending, records := g.pending, len(g.pushed)
		g.mu.Unlock()
		if st := g.Status(); st.Counters.TxsHeard != n {
			t.Fatalf("heard %d of %d transactions", st.Counters.TxsHeard, n)
		}
		if pending > maxPending || records > maxPending || most > maxPushes || len(calls) != maxPushes {
			t.Fatalf("%d pending, %d records, %d pushes at most at once, %d pushed: want at most %d, %d, %d, %d",
				pending, records, most, len(calls), maxPending, maxPending, maxPushes, maxPushes)
		}
	})
}

// TestAckLostRepeatAckedFromMemory: the sender misses the acknowledgement
// (the way back is down), repeats the transaction after tx.repeat, and the
// uplink acknowledges the repeat from memory without pushing it again.
func TestAckLostRepeatAckedFromMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		upChain, sndChain := w.chain("up"), w.chain("snd")
		w.start()
		q := w.queue()
		node := newPusher(false)
		w.air.Connect("snd", "up", medium.Link{}) // no way back yet
		up := w.run("up", Options{Roles: Roles{Uplink: true}, Chain: upChain, Node: node, MaxDelay: -1,
			Drivers: []Driver{{Driver: w.driver("up", radio.TwoWay)}}})
		w.run("snd", Options{Roles: Roles{Sender: true}, Chain: sndChain, Queue: q, TxRepeat: link.DefaultLimits.DoneFor,
			Drivers: []Driver{{Driver: w.driver("snd", radio.TwoWay)}}})
		tx := w.testTx(1)
		w.enqueue(q, tx)
		<-node.in
		time.Sleep(time.Minute)
		if e, _ := q.Get(tx.TxHash()); e.State.Final() || e.Attempts != 1 {
			t.Fatalf("entry %+v before the way back is up", e)
		}
		w.air.Connect("up", "snd", medium.Link{})
		w.waitFor(20*time.Minute, "the repeat was not acknowledged", func() bool {
			e, _ := q.Get(tx.TxHash())
			return e.State.Final()
		})
		e, _ := q.Get(tx.TxHash())
		calls, _, _ := node.stats()
		st := up.Status()
		if e.State != "accepted" || e.Attempts != 2 || calls[tx.TxHash()] != 1 || st.Counters.TxsHeard != 2 || st.Counters.AcksSent != 2 {
			t.Fatalf("entry %+v, %d pushes, uplink counters %+v: want accepted after 2 attempts, 1 push, 2 heard, 2 acks",
				e, calls[tx.TxHash()], st.Counters)
		}
	})
}

// TestAcksOnlyOnTwoWayRadios: an uplink with a transmit-only LoRa radio
// for the carousel and a two-way one for transactions acknowledges on the
// two-way radio only, although nothing in its assignment says so.
func TestAcksOnlyOnTwoWayRadios(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		c := w.chain("up")
		w.start()
		bcast, twoWay, snd := w.driver("bcast", radio.TransmitOnly), w.driver("up", radio.TwoWay), w.driver("snd", radio.TwoWay)
		w.air.ConnectBoth("snd", "up", medium.Link{})
		g := w.run("up", Options{Roles: Roles{Uplink: true}, Chain: c, Node: newPusher(false), MaxDelay: -1,
			Drivers: []Driver{{Driver: bcast}, {Driver: twoWay}}})
		transmit(t, snd, w.testTx(1))
		time.Sleep(time.Minute)
		synctest.Wait()
		st := g.Status()
		if st.Counters.AcksSent != 1 {
			t.Fatalf("counters %+v", st.Counters)
		}
		for _, d := range st.Drivers {
			want := map[string]int{"bcast": 0, "up": 1}[d.Name]
			if got := d.Traffic.Messages[traffic.Urgent]; got != want {
				t.Errorf("%s (%s) sent %d acknowledgements, want %d", d.Name, d.Direction, got, want)
			}
		}
	})
}

// TestBrokenTwinDoesNotStandForTheTransaction: someone who heard a
// sender's segwit transaction transmits a copy with a broken signature
// (same txid, other wtxid) first. The uplink pushes it and the node
// rejects it; the genuine transaction heard next is still pushed and
// accepted, not acknowledged from memory as rejected.
func TestBrokenTwinDoesNotStandForTheTransaction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.node.Mine(102)
		c := w.chain("up")
		w.start()
		up, snd := w.driver("up", radio.TwoWay), w.driver("snd", radio.TwoWay)
		w.air.ConnectBoth("snd", "up", medium.Link{})
		g := w.run("up", Options{Roles: Roles{Uplink: true}, Chain: c, Node: w.node, MaxDelay: -1,
			Drivers: []Driver{{Driver: up}}})
		good, twin := w.spendAndTwin(1)
		transmit(t, snd, twin)
		time.Sleep(time.Minute)
		transmit(t, snd, good)
		time.Sleep(time.Minute)
		synctest.Wait()
		if st := g.Status(); !w.node.InMempool(good.TxHash()) || st.Counters.TxsPushed != 2 {
			t.Fatalf("genuine transaction in the mempool: %v; counters %+v", w.node.InMempool(good.TxHash()), st.Counters)
		}
	})
}

// TestTwinsAcknowledgedApart: acknowledgements name the wtxid, so a
// sender whose genuine transaction is queued is not told "rejected" by
// the acknowledgement of a copy with a broken signature (same txid) that
// someone else transmitted first; it gets its own "accepted".
func TestTwinsAcknowledgedApart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.node.Mine(102)
		upChain, sndChain := w.chain("up"), w.chain("snd")
		w.start()
		w.wg.Go(func() { w.node.Follow(w.ctx, upChain.PeerView()) })
		up, snd, mallory := w.driver("up", radio.TwoWay), w.driver("snd", radio.TwoWay), w.driver("mallory", radio.TransmitOnly)
		w.air.ConnectBoth("snd", "up", medium.Link{})
		w.air.Connect("mallory", "up", medium.Link{})
		q, _, err := txqueue.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Close() })
		w.run("up", Options{Roles: Roles{Uplink: true}, Chain: upChain, Node: w.node, MaxDelay: -1,
			Drivers: []Driver{{Driver: up}}})
		good, twin := w.spendAndTwin(1)
		transmit(t, mallory, twin)
		time.Sleep(time.Minute)
		if _, err := q.Add(rawOf(t, good), "", w.clk.Now()); err != nil {
			t.Fatal(err)
		}
		w.run("snd", Options{Roles: Roles{Sender: true}, Chain: sndChain, Queue: q, Drivers: []Driver{{Driver: snd}}})
		w.waitFor(time.Hour, "the genuine transaction was not acknowledged", func() bool {
			e, _ := q.Get(good.TxHash())
			return e.State.Final()
		})
		if e, _ := q.Get(good.TxHash()); e.State != txqueue.Accepted {
			t.Fatalf("genuine transaction ended %+v", e)
		}
	})
}
