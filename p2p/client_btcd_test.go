package p2p

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/altnet/altnet/internal/btcdtest"
	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// TestClientAgainstBtcd runs the client against one real btcd through the
// whole story, in order: handshake, header sync past segwit activation,
// following new blocks, a reorg, transaction outcomes, and a node restart
// with a transaction queued while it was down.
func TestClientAgainstBtcd(t *testing.T) {
	t.Parallel()
	node := btcdtest.StartT(t, btcdtest.Options{})
	// btcd ignores getheaders while its tip is older than 24 hours: mine
	// first. 440 blocks: segwit is active from 432 on regtest.
	if _, err := node.Generate(btcdtest.SegwitHeight + 8); err != nil {
		t.Fatal(err)
	}
	chain := newMemChain(btcdtest.Params)
	client, err := NewClient(ClientConfig{
		Params:           btcdtest.Params,
		Node:             node.P2PAddr,
		Chain:            chain,
		Logger:           testLogger(),
		RelayTxs:         true, // so that btcd echoes our transactions
		MinBackoff:       50 * time.Millisecond,
		MaxBackoff:       500 * time.Millisecond,
		TxGetDataTimeout: time.Second,
		TxResultTimeout:  5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	runInBackground(t, client.Run)

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"handshake", func(t *testing.T) { checkHandshake(t, node, client) }},
		{"sync", func(t *testing.T) { waitSynced(t, node, chain) }},
		{"follow", func(t *testing.T) {
			if _, err := node.Generate(3); err != nil {
				t.Fatal(err)
			}
			waitSynced(t, node, chain)
		}},
		{"reorg", func(t *testing.T) { checkReorg(t, node, chain) }},
		{"tx", func(t *testing.T) { checkTxOutcomes(t, node, client) }},
		{"restart", func(t *testing.T) { checkRestart(t, node, client, chain) }},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			t.FailNow() // each step builds on the previous ones
		}
	}
}

func checkHandshake(t *testing.T, node *btcdtest.Node, client *Client) {
	waitFor(t, realTimeout, "handshake", func() bool { return client.Status().Connected })
	st := client.Status()
	if !strings.Contains(st.UserAgent, "btcd") || st.Version != int32(wire.ProtocolVersion) {
		t.Errorf("node says %q version %d", st.UserAgent, st.Version)
	}
	// btcd registers the peer after our verack, a moment after we see its
	// own: wait for it.
	var peers []btcjson.GetPeerInfoResult
	waitFor(t, realTimeout, "btcd to list us", func() bool {
		var err error
		peers, err = node.PeerInfo()
		return err == nil && len(peers) == 1
	})
	p := peers[0]
	if p.SubVer != DefaultUserAgent || !p.Inbound || p.Version != wire.ProtocolVersion {
		t.Errorf("btcd sees subver %q inbound %v version %d", p.SubVer, p.Inbound, p.Version)
	}
	if sv, err := strconv.ParseUint(p.Services, 16, 64); err != nil || wire.ServiceFlag(sv)&wire.SFNodeWitness == 0 {
		t.Errorf("btcd sees services %q, want NODE_WITNESS", p.Services)
	}
}

// waitSynced waits until the chain's tip is the node's.
func waitSynced(t *testing.T, node *btcdtest.Node, chain *memChain) {
	t.Helper()
	want, height, err := node.BestBlock()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, realTimeout, "chain at the node's tip", func() bool {
		got, _ := chain.tipHash()
		return got == want
	})
	if _, h := chain.tipHash(); h != height {
		t.Fatalf("chain tip at height %d, node at %d", h, height)
	}
}

func checkReorg(t *testing.T, node *btcdtest.Node, chain *memChain) {
	oldTip, _, err := node.BestBlock()
	if err != nil {
		t.Fatal(err)
	}
	before := chain.reorgCount()
	if err := node.InvalidateBlock(oldTip); err != nil {
		t.Fatal(err)
	}
	if _, err := node.Generate(2); err != nil {
		t.Fatal(err)
	}
	waitSynced(t, node, chain)
	if chain.reorgCount() == before {
		t.Fatal("the chain did not see a reorg")
	}
	if got, _ := chain.tipHash(); got == oldTip {
		t.Fatal("chain still on the invalidated tip")
	}
}

func checkTxOutcomes(t *testing.T, node *btcdtest.Node, client *Client) {
	ctx, cancel := context.WithTimeout(context.Background(), realTimeout)
	defer cancel()
	good := mustSpend(t, node, 1)
	start := time.Now()
	res, err := client.SendTx(ctx, good)
	t.Logf("segwit spend pushed: %v in %v", res.Status, time.Since(start))
	if err != nil || res.Status != TxAccepted || res.TxID != good.TxHash() {
		t.Fatalf("valid spend: %v, %v; want accepted", res, err)
	}
	checkInMempool(t, ctx, node, good.TxHash())
	waitFor(t, realTimeout, "btcd's echo of our inv", func() bool { return client.Status().TxEchoes > 0 })

	again, err := client.SendTx(ctx, good)
	if err != nil || again.Status != TxAlreadyKnown {
		t.Errorf("same spend again: %v, %v; want already-known", again, err)
	}

	bad, err := btcdtest.BreakSignature(mustSpend(t, node, 2))
	if err != nil {
		t.Fatal(err)
	}
	res, err = client.SendTx(ctx, bad)
	if err != nil || res.Status != TxRejected || res.Code != wire.RejectInvalid {
		t.Fatalf("broken signature: %v, %v; want rejected with code %v", res, err, wire.RejectInvalid)
	}
	t.Logf("btcd's verdict on a broken signature: code %v, reason %q", res.Code, res.Reason)
	if !strings.Contains(res.Reason, "signature") && !strings.Contains(res.Reason, "checksig") {
		t.Errorf("reason %q does not mention the signature", res.Reason)
	}
	if client.Status().QueuedTxs != 0 {
		t.Errorf("%d transactions left in the queue", client.Status().QueuedTxs)
	}
}

func mustSpend(t *testing.T, node *btcdtest.Node, height int64) *wire.MsgTx {
	t.Helper()
	tx, err := node.SpendCoinbase(height, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// checkInMempool checks the node's mempool with btcctl getrawmempool.
func checkInMempool(t *testing.T, ctx context.Context, node *btcdtest.Node, txid chainhash.Hash) {
	t.Helper()
	out, err := node.Ctl(ctx, "getrawmempool")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, txid.String()) {
		t.Fatalf("btcctl getrawmempool = %s, want %v in it", out, txid)
	}
}

func checkRestart(t *testing.T, node *btcdtest.Node, client *Client, chain *memChain) {
	connections := client.Status().Connections
	tx := mustSpend(t, node, 3) // built now: no RPC while the node is down
	if err := node.Halt(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, realTimeout, "the client to notice", func() bool { return !client.Status().Connected })

	ctx, cancel := context.WithTimeout(context.Background(), 2*realTimeout)
	defer cancel()
	type outcome struct {
		res TxResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := client.SendTx(ctx, tx)
		done <- outcome{res, err}
	}()
	waitFor(t, realTimeout, "the transaction to be queued", func() bool { return client.Status().QueuedTxs == 1 })

	if err := node.Resume(); err != nil {
		t.Fatal(err)
	}
	resumed := time.Now()
	got := <-done
	t.Logf("queued spend: %v %v after the node came back", got.res.Status, time.Since(resumed))
	if got.err != nil || got.res.Status != TxAccepted {
		t.Fatalf("queued spend after restart: %v, %v; want accepted", got.res, got.err)
	}
	checkInMempool(t, ctx, node, tx.TxHash())
	if st := client.Status(); st.Connections <= connections || !st.Connected {
		t.Errorf("after restart: %d connections (was %d), connected %v", st.Connections, connections, st.Connected)
	}
	if _, err := node.Generate(1); err != nil {
		t.Fatal(err)
	}
	waitSynced(t, node, chain)
}
