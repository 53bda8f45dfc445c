package p2p

import (
	"context"
	"net"
	"testing"

	"github.com/altnet/altnet/internal/btcdtest"
	"github.com/btcsuite/btcd/wire"
)

// TestServerAgainstBtcd lets a real btcd v0.24.2 connect to a Server whose
// header chain is five blocks ahead of the node's, and checks what the
// node does: it takes us for a sync peer (getblocks), asks for the blocks
// we announce (getdata), cannot get them, keeps its own tip, and does not
// raise our ban score.
func TestServerAgainstBtcd(t *testing.T) {
	t.Parallel()
	node := btcdtest.StartT(t, btcdtest.Options{})
	if _, err := node.Generate(20); err != nil {
		t.Fatal(err)
	}
	chain := newMemChain(btcdtest.Params)
	copyNodeChain(t, node, chain, 20)
	chain.mine(5, 1) // headers of blocks btcd has never seen

	srv, err := NewServer(ServerConfig{Params: btcdtest.Params, Headers: chain, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	runInBackground(t, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	if err := node.ConnectPeer(ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, realTimeout, "btcd to request blocks", func() bool {
		ps := srv.Peers()
		return len(ps) == 1 && ps[0].GetData > 0
	})
	p := srv.Peers()[0]
	t.Logf("btcd as our peer: %+v", p)

	// Announce one more header: btcd did not send sendheaders, so it gets
	// an inv and asks for that block too.
	chain.mine(1, 2)
	srv.Announce()
	waitFor(t, realTimeout, "btcd to request the announced block", func() bool {
		ps := srv.Peers()
		return len(ps) == 1 && ps[0].GetData > p.GetData
	})

	infos, err := node.PeerInfo()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 {
		t.Fatalf("btcd lists %d peers, want 1", len(infos))
	}
	t.Logf("btcd's view of us: %+v", infos[0])
	if infos[0].StartingHeight != 25 || infos[0].BanScore != 0 {
		t.Errorf("btcd sees starting height %d, ban score %d; want 25, 0", infos[0].StartingHeight, infos[0].BanScore)
	}
	if _, h, err := node.BestBlock(); err != nil || h != 20 {
		t.Errorf("btcd's tip moved to %d (err %v): a header-only peer cannot move it", h, err)
	}
}

// copyNodeChain adds the node's best chain up to height to chain.
func copyNodeChain(t *testing.T, node *btcdtest.Node, chain *memChain, height int64) {
	t.Helper()
	for h := int64(1); h <= height; h++ {
		hash, err := node.BlockHash(h)
		if err != nil {
			t.Fatal(err)
		}
		hdr, err := node.Header(hash)
		if err != nil {
			t.Fatal(err)
		}
		if err := chain.AddHeaders([]wire.BlockHeader{hdr}); err != nil {
			t.Fatal(err)
		}
	}
}
