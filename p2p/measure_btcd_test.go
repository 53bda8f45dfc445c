package p2p

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/altnet/altnet/internal/btcdtest"
	"github.com/btcsuite/btcd/wire"
)

// TestMeasureBtcdStall measures, over about two minutes, what a btcd
// v0.24.2 node configured with our Server as a persistent peer (--addpeer)
// does when the server announces blocks it cannot deliver. It is a
// measurement for docs/p2p.md, not a check: run it with ALTNET_MEASURE=1
// (go test -run TestMeasureBtcdStall -v ./p2p).
func TestMeasureBtcdStall(t *testing.T) {
	if os.Getenv("ALTNET_MEASURE") == "" {
		t.Skip("measurement (about 2 min); set ALTNET_MEASURE=1 to run it")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	node := btcdtest.StartT(t, btcdtest.Options{Args: []string{"--addpeer=" + ln.Addr().String()}})
	if _, err := node.Generate(20); err != nil {
		t.Fatal(err)
	}
	chain := newMemChain(btcdtest.Params)
	copyNodeChain(t, node, chain, 20)
	chain.mine(5, 1)
	srv, err := NewServer(ServerConfig{Params: btcdtest.Params, Headers: chain, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	runInBackground(t, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	since := func() time.Duration { return time.Since(start).Round(100 * time.Millisecond) }
	for conn := 1; conn <= 3; conn++ {
		waitFor(t, 2*time.Minute, "a connection", func() bool { return len(srv.Peers()) == 1 })
		t.Logf("%v: connection %d", since(), conn)
		waitFor(t, time.Minute, "getdata", func() bool { ps := srv.Peers(); return len(ps) == 1 && ps[0].GetData > 0 })
		p := srv.Peers()[0]
		t.Logf("%v: getdata; peer %+v", since(), p)
		waitFor(t, 2*time.Minute, "the disconnection", func() bool { return len(srv.Peers()) == 0 })
		t.Logf("%v: disconnected", since())
	}
	if infos, err := node.PeerInfo(); err == nil {
		t.Logf("btcd peers now: %+v", infos)
	}
	tips, err := node.ChainTips()
	if err == nil {
		for _, tip := range tips {
			t.Logf("btcd chain tip: %+v", *tip)
		}
	}
	if _, h, err := node.BestBlock(); err == nil {
		t.Logf("btcd best height %d (ours 25)", h)
	}
	t.Logf("btcd log lines about us:\n%s", node.LogTail(60))
}

// TestMeasureBtcdPenalties measures how btcd v0.24.2 treats the two things
// the Server never does: sending headers a peer did not ask for, and
// answering a block request with notfound. Run with ALTNET_MEASURE=1.
func TestMeasureBtcdPenalties(t *testing.T) {
	if os.Getenv("ALTNET_MEASURE") == "" {
		t.Skip("measurement; set ALTNET_MEASURE=1 to run it")
	}
	node := btcdtest.StartT(t, btcdtest.Options{})
	if _, err := node.Generate(20); err != nil {
		t.Fatal(err)
	}
	chain := newMemChain(btcdtest.Params)
	copyNodeChain(t, node, chain, 20)
	extra := chain.mine(2, 1)

	// notfound for one block, unasked.
	p := rawPeer(t, node)
	nf := wire.NewMsgNotFound()
	h := extra[0].BlockHash()
	_ = nf.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &h))
	if err := p.send(nf); err != nil {
		t.Fatal(err)
	}
	waitFor(t, realTimeout, "a ban score", func() bool {
		infos, err := node.PeerInfo()
		return err == nil && len(infos) == 1 && infos[0].BanScore > 0
	})
	infos, _ := node.PeerInfo()
	t.Logf("after one block notfound: ban score %d", infos[0].BanScore)
	p.close()

	// headers, unasked, on a fresh connection.
	p = rawPeer(t, node)
	msg := wire.NewMsgHeaders()
	_ = msg.AddBlockHeader(&extra[0])
	start := time.Now()
	if err := p.send(msg); err != nil {
		t.Fatal(err)
	}
	_ = p.setReadDeadline(time.Now().Add(10 * time.Second))
	for {
		m, err := p.recv()
		if err != nil {
			t.Logf("after unsolicited headers: connection ended in %v: %v", time.Since(start), err)
			break
		}
		t.Logf("after unsolicited headers: received %s", m.Command())
	}
	t.Logf("btcd log:\n%s", node.LogTail(15))
}

// rawPeer connects to the node and completes a handshake, without a
// session: the test sends what it wants.
func rawPeer(t *testing.T, node *btcdtest.Node) *peerConn {
	t.Helper()
	nc, err := net.Dial("tcp", node.P2PAddr)
	if err != nil {
		t.Fatal(err)
	}
	p := newPeerConn(nc, btcdtest.Params.Net, realTimeout, testLogger())
	t.Cleanup(p.close)
	local := localVersion{magic: btcdtest.Params.Net, services: wire.SFNodeWitness, userAgent: DefaultUserAgent, nonce: newNonce(), now: time.Now()}
	if _, err := handshake(p, local, true, realTimeout); err != nil {
		t.Fatal(err)
	}
	return p
}
