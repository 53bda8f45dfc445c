package btcdtest

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
)

// TestNodeLifecycle runs one node through everything the harness offers:
// mining, RPC and btcctl, a reorg by invalidateblock, a coinbase spend
// pushed over RPC, and a restart on the same data folder and ports.
func TestNodeLifecycle(t *testing.T) {
	n := StartT(t, Options{})
	hashes, err := n.Generate(SegwitHeight + 5)
	if err != nil {
		t.Fatal(err)
	}
	tip, height, err := n.BestBlock()
	if err != nil {
		t.Fatal(err)
	}
	if height != SegwitHeight+5 || tip != hashes[len(hashes)-1] {
		t.Fatalf("tip %v at %d, want %v at %d", tip, height, hashes[len(hashes)-1], SegwitHeight+5)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	count, err := n.Ctl(ctx, "getblockcount")
	if err != nil || count != "437" {
		t.Fatalf("btcctl getblockcount = %q, %v; want 437", count, err)
	}

	// A valid segwit spend of a mature coinbase enters the mempool.
	tx, err := n.SpendCoinbase(1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.RPC().SendRawTransaction(tx, false); err != nil {
		t.Fatalf("sendrawtransaction: %v", err)
	}
	if ok, err := n.InMempool(tx.TxHash()); err != nil || !ok {
		t.Fatalf("spend not in mempool (err %v)", err)
	}
	// The same spend with a broken signature is refused.
	other, err := n.SpendCoinbase(2, 1000)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := BreakSignature(other)
	if err != nil {
		t.Fatal(err)
	}
	if bad.TxHash() != other.TxHash() || bad.WitnessHash() == other.WitnessHash() {
		t.Fatal("BreakSignature must keep the txid and change the wtxid")
	}
	if _, err := n.RPC().SendRawTransaction(bad, false); err == nil {
		t.Fatal("a spend with a broken signature was accepted")
	}

	// Reorg: invalidate the tip, mine two blocks on its parent.
	if err := n.InvalidateBlock(tip); err != nil {
		t.Fatal(err)
	}
	if _, h, _ := n.BestBlock(); h != height-1 {
		t.Fatalf("after invalidateblock the height is %d, want %d", h, height-1)
	}
	if _, err := n.Generate(2); err != nil {
		t.Fatal(err)
	}
	newTip, newHeight, err := n.BestBlock()
	if err != nil || newHeight != height+1 || newTip == tip {
		t.Fatalf("after the reorg: %v at %d (err %v)", newTip, newHeight, err)
	}

	// Halt and Resume keep the chain, the ports and the address; while
	// halted, P2PAddr refuses connections.
	p2p, rpc, pid := n.P2PAddr, n.RPCAddr, n.PID()
	start := time.Now()
	if err := n.Halt(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", n.P2PAddr); err == nil {
		c.Close()
		t.Fatal("P2PAddr accepted a connection while the node was halted")
	}
	if err := n.Resume(); err != nil {
		t.Fatal(err)
	}
	t.Logf("halt and resume with %d blocks took %v", newHeight, time.Since(start))
	if n.PID() == pid || n.P2PAddr != p2p || n.RPCAddr != rpc {
		t.Fatal("restart changed the ports or kept the old process")
	}
	if got, h, err := n.BestBlock(); err != nil || got != newTip || h != newHeight {
		t.Fatalf("after restart: %v at %d (err %v), want %v at %d", got, h, err, newTip, newHeight)
	}
	if c, err := net.Dial("tcp", n.P2PAddr); err != nil {
		t.Fatalf("P2PAddr after resume: %v", err)
	} else {
		c.Close()
	}
	if tail := n.LogTail(3); !strings.Contains(tail, "[") {
		t.Fatalf("log tail %q", tail)
	}
}

func TestKeyIsDeterministic(t *testing.T) {
	a, b := NewKey("x"), NewKey("x")
	if a.Address.EncodeAddress() != b.Address.EncodeAddress() {
		t.Fatal("same seed, different address")
	}
	if !strings.HasPrefix(a.Address.EncodeAddress(), "bcrt1q") {
		t.Fatalf("address %s is not a regtest P2WPKH address", a.Address)
	}
	if _, err := btcutil.DecodeAddress(a.Address.EncodeAddress(), Params); err != nil {
		t.Fatal(err)
	}
}

func TestNativeEnvDropsTarget(t *testing.T) {
	env := nativeEnv([]string{"GOOS=linux", "GOARCH=arm", "GOARM=6", "PATH=/bin", "CGO_ENABLED=1"})
	want := []string{"PATH=/bin", "CGO_ENABLED=0"}
	if strings.Join(env, " ") != strings.Join(want, " ") {
		t.Fatalf("nativeEnv = %q, want %q", env, want)
	}
}
