package simnode

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/internal/wallet"
	"github.com/altnet/altnet/p2p"
	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/wire"
)

func TestChainLinksAndHasProofOfWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(wallet.NewKey("simnode"), nil)
		hs := n.Mine(30)
		time.Sleep(time.Minute)
		hs = append(hs, n.Mine(5)...)
		prev := n.Params().GenesisBlock.Header
		all := []wire.BlockHeader{prev}
		for i, h := range hs {
			if h.PrevBlock != prev.BlockHash() {
				t.Fatalf("block %d does not link", i+1)
			}
			if mtp := medianOf(all); !h.Timestamp.After(mtp) {
				t.Fatalf("block %d timestamp %v not after the median time past %v", i+1, h.Timestamp, mtp)
			}
			all = append(all, h)
			hash := h.BlockHash()
			if blockchain.HashToBig(&hash).Cmp(blockchain.CompactToBig(h.Bits)) > 0 {
				t.Fatalf("block %d lacks proof of work", i+1)
			}
			prev = h
		}
		if tip, height := n.Tip(); height != 35 || tip != hs[34] {
			t.Fatalf("tip at %d", height)
		}
	})
}

func TestMempoolVerdicts(t *testing.T) {
	ctx := context.Background()
	key := wallet.NewKey("simnode")
	n := New(key, nil)
	n.Mine(CoinbaseMaturity + 2)
	spend := func(height int32, fee int64) *wire.MsgTx {
		op, v, err := n.Coinbase(height)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := key.Spend(op, v, fee)
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	good := spend(1, 1000)
	bad, err := wallet.BreakSignature(spend(2, 1000))
	if err != nil {
		t.Fatal(err)
	}
	immature := spend(5, 1000)
	other := wallet.NewKey("someone else")
	op, v, _ := n.Coinbase(3)
	stolen, err := other.Spend(op, v, 1000)
	if err != nil {
		t.Fatal(err)
	}
	doubleSpend := spend(1, 2000)

	tests := []struct {
		name string
		tx   *wire.MsgTx
		want p2p.TxStatus
		code wire.RejectCode
	}{
		{"valid spend", good, p2p.TxAccepted, 0},
		{"same again", good, p2p.TxAlreadyKnown, 0},
		{"broken signature", bad, p2p.TxRejected, wire.RejectInvalid},
		{"immature coinbase", immature, p2p.TxRejected, wire.RejectInvalid},
		{"wrong key", stolen, p2p.TxRejected, wire.RejectInvalid},
		{"double spend of a mempool output", doubleSpend, p2p.TxRejected, wire.RejectDuplicate},
	}
	for _, tt := range tests {
		res, err := n.SendTx(ctx, tt.tx)
		if err != nil || res.Status != tt.want || res.Code != tt.code || res.TxID != tt.tx.TxHash() {
			t.Errorf("%s: %+v, %v; want status %v code %v", tt.name, res, err, tt.want, tt.code)
		}
		if tt.want == p2p.TxRejected && res.Reason == "" {
			t.Errorf("%s: rejected without a reason", tt.name)
		}
	}
	if !n.InMempool(good.TxHash()) {
		t.Fatal("accepted transaction not in the mempool")
	}
	n.Mine(1)
	if n.InMempool(good.TxHash()) {
		t.Fatal("mined transaction still in the mempool")
	}
	if res, _ := n.SendTx(ctx, good); res.Status != p2p.TxAlreadyKnown {
		t.Fatalf("mined transaction sent again: %+v", res)
	}
}

func TestReorg(t *testing.T) {
	n := New(wallet.NewKey("simnode"), nil)
	n.Mine(10)
	oldTip, _ := n.Tip()
	w := n.Work()
	changed := n.Changed()
	branch, err := n.Reorg(3, 4)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("Changed not closed by the reorg")
	}
	tip, height := n.Tip()
	if height != 11 || tip == oldTip || n.Work().Cmp(w) <= 0 || len(branch) != 4 {
		t.Fatalf("after reorg: height %d, work %v (was %v)", height, n.Work(), w)
	}
	hs := n.Headers(7)
	if hs[0].PrevBlock != n.Headers(6)[0].BlockHash() || hs[1] != branch[0] {
		t.Fatal("new branch does not fork at height 7")
	}
	if _, err := n.Reorg(12, 1); err == nil {
		t.Fatal("reorg deeper than the chain accepted")
	}
}

func medianOf(hs []wire.BlockHeader) time.Time {
	var ts []time.Time
	for _, h := range hs[max(0, len(hs)-11):] {
		ts = append(ts, h.Timestamp)
	}
	slices.SortFunc(ts, time.Time.Compare)
	return ts[len(ts)/2]
}

// TestSameSeedSameBlocks: two nodes with the same key, clock and
// transactions mine the same block, whatever order their mempools hold
// the transactions in.
func TestSameSeedSameBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		key := wallet.NewKey("simnode")
		a, b := New(key, nil), New(key, nil)
		a.Mine(CoinbaseMaturity + 8)
		b.Mine(CoinbaseMaturity + 8)
		var txs []*wire.MsgTx
		for h := int32(1); h <= 8; h++ {
			op, v, err := a.Coinbase(h)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := key.Spend(op, v, 1000)
			if err != nil {
				t.Fatal(err)
			}
			txs = append(txs, tx)
		}
		for i := range txs {
			for _, n := range []*Node{a, b} {
				tx := txs[i]
				if n == b {
					tx = txs[len(txs)-1-i]
				}
				if res, err := n.SendTx(context.Background(), tx); err != nil || res.Status != p2p.TxAccepted {
					t.Fatalf("SendTx: %+v, %v", res, err)
				}
			}
		}
		if ha, hb := a.Mine(1)[0], b.Mine(1)[0]; ha.BlockHash() != hb.BlockHash() {
			t.Fatalf("merkle roots %v and %v", ha.MerkleRoot, hb.MerkleRoot)
		}
	})
}
