package demo

import (
	"context"
	"testing"
	"time"

	"github.com/altnet/altnet/internal/btcdtest"
	"github.com/altnet/altnet/internal/clock"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// TestDemoFollowsBtcd runs the demonstration against a real btcd in
// regtest instead of the simulated node, on a clock 100 times faster than
// the wall (the P2P connection itself runs in real time): the uplink
// follows btcd, both receivers converge on btcd's chain of 440 blocks and
// the blocks mined meanwhile, and the sender's segwit transaction reaches
// btcd's mempool and is acknowledged over the air.
func TestDemoFollowsBtcd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 40 s of wall time")
	}
	node := btcdtest.StartT(t, btcdtest.Options{})
	// Segwit is active from 432 on btcd's regtest; btcd answers getheaders
	// only with a recent tip, so mine before connecting.
	if _, err := node.Generate(btcdtest.SegwitHeight + 8); err != nil {
		t.Fatal(err)
	}
	tx, err := node.SpendCoinbase(1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
		case <-time.After(3 * time.Second): // 5 simulated minutes in
			if _, err := node.Generate(2); err != nil {
				t.Error(err)
			}
		}
	}()
	rep, err := Run(ctx, Config{Clock: clock.NewScaled(100, time.Time{}), Seed: 3, Node: node.P2PAddr,
		// An hour: the one-way LoRa receiver starts 442 headers behind,
		// a carousel pass of 28 runs takes about 14 minutes, and a run
		// lost on the 20 % loss link comes round again a pass later. With
		// half an hour a run lost twice (one chance in a few hundred per
		// run) failed the test.
		Tx: serialize(tx), Duration: time.Hour, Dir: t.TempDir(), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Final.Events {
		t.Logf("%8v %s", e.At.Round(time.Second), e.Text)
	}
	if !rep.OK() {
		for _, st := range rep.Final.Stations {
			t.Logf("%s: chain %d counters %+v link %+v", st.Name, st.Status.Chain.Height, st.Status.Counters, st.Status.Link)
			for _, r := range st.Radios {
				t.Logf("  %s late %d timeouts %d traffic %+v air %+v budget %+v", r.Name, r.LateTxDone, r.TxTimeouts, r.Traffic, r.Air, r.Budget)
			}
		}
		t.Fatalf("failures: %v", rep.Failures)
	}
	hash, height, err := node.BestBlock()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Final.Tip.Hash != hash || height != btcdtest.SegwitHeight+10 {
		t.Errorf("demo ended at %d %v, btcd at %d %v", rep.Final.Tip.Height, rep.Final.Tip.Hash, height, hash)
	}
	if !inMempoolOrBlock(t, node, tx.TxHash(), btcdtest.SegwitHeight+9) {
		t.Error("btcd has the transaction neither in its mempool nor in the next block")
	}
}

// inMempoolOrBlock reports whether btcd holds txid in its mempool or in
// the block at height (the test mines blocks after the sender sends).
func inMempoolOrBlock(t *testing.T, node *btcdtest.Node, txid chainhash.Hash, height int64) bool {
	if in, err := node.InMempool(txid); err != nil || in {
		return in
	}
	hash, err := node.BlockHash(height)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := node.RPC().GetBlock(&hash)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range blk.Transactions {
		if tx.TxHash() == txid {
			return true
		}
	}
	return false
}
