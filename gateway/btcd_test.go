package gateway

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/altnet/altnet/headers"
	"github.com/altnet/altnet/internal/btcdtest"
	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/p2p"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/txqueue"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// speed is how much faster than the wall the radio side runs in the
// tests against btcd (which run on real time: btcd is a real process).
const speed = 30

// realWorld is TestAgainstBtcd's setting: btcd in regtest, an uplink that
// follows it over P2P, and radios on a simulated medium whose clock runs
// speed times faster than the wall.
type realWorld struct {
	bed
	node *btcdtest.Node
}

// eventually polls cond on the wall clock until it holds or limit passes.
func (w *realWorld) eventually(limit time.Duration, what string, cond func() bool) {
	w.t.Helper()
	for end := time.Now().Add(limit); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			w.t.Fatalf("after %v: %s\nbtcd log:\n%s", limit, what, w.node.LogTail(20))
		}
	}
}

// atBtcdTip reports whether every chain's tip is btcd's best block.
func (w *realWorld) atBtcdTip(chains ...*headers.Chain) bool {
	best, height, err := w.node.BestBlock()
	if err != nil {
		return false
	}
	for _, c := range chains {
		if t := c.Tip(); t.Height != height || t.Hash != best {
			return false
		}
	}
	return true
}

func rawOf(t *testing.T, tx *wire.MsgTx) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAgainstBtcd runs the roles against a real btcd v0.24.2 in regtest:
// the uplink syncs every header from btcd over P2P and broadcasts them; a
// receiver on a one-way link with 20 % frame loss and a receiver-sender on
// a two-way link converge on btcd's tip, also across a reorg btcd
// performs; the sender's segwit spend of a regtest coinbase lands in btcd's
// mempool (checked with btcctl) and is acknowledged, a spend with a broken
// signature comes back rejected with btcd's code; and with btcd stopped
// and restarted in the middle, a transaction sent meanwhile is not lost.
func TestAgainstBtcd(t *testing.T) {
	node := btcdtest.StartT(t, btcdtest.Options{})
	// Segwit is active from height 432 in btcd's regtest, and a node
	// whose tip is older than a day ignores getheaders: mine first.
	if _, err := node.Generate(btcdtest.SegwitHeight + 8); err != nil {
		t.Fatal(err)
	}
	w := &realWorld{bed: newBed(t, clock.NewScaled(speed, time.Time{}), 11), node: node}
	upChain, rx1Chain, rx2Chain := w.chain("up"), w.chain("rx1"), w.chain("rx2")
	w.start() // the gateways stop before the chains close
	sink := NewNodeSink(upChain)
	client, err := p2p.NewClient(p2p.ClientConfig{Params: btcdtest.Params, Node: w.node.P2PAddr, Chain: sink,
		Logger: testLogger(t).With("p2p", "uplink")})
	if err != nil {
		t.Fatal(err)
	}
	w.wg.Go(func() { client.Run(w.ctx) })

	up := w.driver("up", radio.TwoWay)
	rx1 := w.driver("rx1", radio.ReceiveOnly)
	rx2 := w.driver("rx2", radio.TwoWay)
	w.air.Connect("up", "rx1", medium.Link{Loss: 0.2})
	w.air.ConnectBoth("up", "rx2", medium.Link{Loss: 0.05})
	q, _, err := txqueue.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	upGw := w.run("up", Options{Roles: Roles{Uplink: true}, Chain: upChain, Node: client, NodeStatus: client.Status,
		NodeHeaders: sink, MaxDelay: 10 * time.Second, CarouselDepth: 1000,
		Drivers: []Driver{{Driver: up, Carousel: true, Redundancy: link.Redundancy{Loss: 0.2, Target: 0.99}}}})
	w.run("rx1", Options{Roles: Roles{Receiver: true}, Chain: rx1Chain, Drivers: []Driver{{Driver: rx1}}})
	w.run("rx2", Options{Roles: Roles{Receiver: true, Sender: true}, Chain: rx2Chain, Queue: q, TxRepeat: 5 * time.Minute,
		Drivers: []Driver{{Driver: rx2, Redundancy: link.Redundancy{Extra: 1}}}})

	start := time.Now()
	w.eventually(90*time.Second, "the chains did not reach btcd's tip", func() bool {
		return w.atBtcdTip(upChain, rx1Chain, rx2Chain)
	})
	t.Logf("%v: uplink and both receivers at btcd's tip, height %d", time.Since(start).Round(time.Millisecond), upChain.Tip().Height)

	// A reorg btcd performs: invalidate the block two below the tip and
	// mine a longer branch.
	_, height, err := w.node.BestBlock()
	if err != nil {
		t.Fatal(err)
	}
	old, err := w.node.BlockHash(int64(height) - 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.node.InvalidateBlock(old); err != nil {
		t.Fatal(err)
	}
	if _, err := w.node.Generate(4); err != nil {
		t.Fatal(err)
	}
	w.eventually(60*time.Second, "the chains did not follow btcd's reorg", func() bool {
		return w.atBtcdTip(upChain, rx1Chain, rx2Chain)
	})
	if _, err := rx1Chain.Lookup(old); err != nil {
		t.Fatalf("receiver never had the abandoned block: %v", err)
	}
	t.Logf("%v: reorg followed, height %d", time.Since(start).Round(time.Millisecond), upChain.Tip().Height)

	// Emergency transactions: a valid segwit spend and a broken one.
	good, err := w.node.SpendCoinbase(1, 2000)
	if err != nil {
		t.Fatal(err)
	}
	spend2, err := w.node.SpendCoinbase(2, 2000)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := btcdtest.BreakSignature(spend2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range []*wire.MsgTx{good, bad} {
		if _, err := q.Add(rawOf(t, tx), "", w.clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	final := func(id chainhash.Hash) func() bool {
		return func() bool { e, _ := q.Get(id); return e.State.Final() }
	}
	w.eventually(60*time.Second, "the valid transaction was not acknowledged", final(good.TxHash()))
	w.eventually(60*time.Second, "the broken transaction was not acknowledged", final(bad.TxHash()))
	if e, _ := q.Get(good.TxHash()); e.State != txqueue.Accepted {
		t.Fatalf("valid transaction ended %+v", e)
	}
	pool, err := w.node.Ctl(context.Background(), "getrawmempool")
	if err != nil || !strings.Contains(pool, good.TxHash().String()) {
		t.Fatalf("btcctl getrawmempool = %q, %v; want %v in it", pool, err, good.TxHash())
	}
	if e, _ := q.Get(bad.TxHash()); e.State != txqueue.Rejected || e.Code != uint8(wire.RejectInvalid) {
		t.Fatalf("broken transaction ended %+v, want rejected with code 0x10", e)
	}
	t.Logf("%v: valid transaction in btcd's mempool and acknowledged; broken one rejected (code %#x)",
		time.Since(start).Round(time.Millisecond), uint8(wire.RejectInvalid))

	// btcd stops; a transaction is sent meanwhile; btcd comes back.
	third, err := w.node.SpendCoinbase(3, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.node.Halt(); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Add(rawOf(t, third), "", w.clk.Now()); err != nil {
		t.Fatal(err)
	}
	w.eventually(30*time.Second, "the uplink never heard the transaction sent while btcd was down", func() bool {
		return upGw.Status().Counters.TxsHeard >= 3
	})
	w.eventually(30*time.Second, "the uplink did not notice btcd was gone", func() bool {
		return !client.Status().Connected
	})
	w.eventually(30*time.Second, "the transaction did not wait in the client's queue while btcd was down", func() bool {
		return client.Status().QueuedTxs == 1
	})
	if n := upGw.Status().Counters.TxsPushed; n != 2 {
		t.Fatalf("%d pushes completed while btcd was down, want the 2 from before", n)
	}
	if err := w.node.Resume(); err != nil {
		t.Fatal(err)
	}
	w.eventually(90*time.Second, "the transaction sent while btcd was down was lost", final(third.TxHash()))
	if e, _ := q.Get(third.TxHash()); e.State != txqueue.Accepted {
		t.Fatalf("transaction sent while btcd was down ended %+v", e)
	}
	if in, err := w.node.InMempool(third.TxHash()); err != nil || !in {
		t.Fatalf("transaction sent while btcd was down not in its mempool: %v, %v", in, err)
	}
	if st := client.Status(); st.Connections < 2 {
		t.Fatalf("client status after the restart %+v", st)
	}
	t.Logf("%v: btcd restarted; the transaction sent meanwhile reached its mempool and was acknowledged",
		time.Since(start).Round(time.Millisecond))
}
