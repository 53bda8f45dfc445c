package p2p

import (
	"context"
	"errors"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// TestPingsKeepConnection: client and server ping each other every two
// minutes and answer each other's pings, so an idle connection lasts.
func TestPingsKeepConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		source := newMemChain(regtest)
		source.mine(5, 1)
		client, srv, stop := pair(t, source, newMemChain(regtest), nil)
		defer stop()
		time.Sleep(30 * time.Minute)
		if st := client.Status(); !st.Connected || st.Connections != 1 {
			t.Errorf("client after 30 idle minutes: %+v", st)
		}
		if n := len(srv.Peers()); n != 1 {
			t.Errorf("server has %d peers, want 1", n)
		}
	})
}

// TestServerAnswers drives a Server from a raw peer: getheaders with a
// stop hash, getblocks (answered with an inv, even an empty one), getdata
// and getaddr (never answered), and inv announcements to a peer that did
// not send sendheaders.
func TestServerAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		source := newMemChain(regtest)
		hs := source.mine(30, 1)
		ln := newPipeListener()
		srv, err := NewServer(ServerConfig{Params: regtest, Headers: source, Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error)
		go func() { served <- srv.Serve(ctx, ln) }()
		p := dialRaw(t, ln)

		stop := hs[19].BlockHash()
		gh := wire.NewMsgGetHeaders()
		_ = gh.AddBlockLocatorHash(regtest.GenesisHash)
		gh.HashStop = stop
		mustSend(t, p, gh)
		if got := mustRecv[*wire.MsgHeaders](t, p); len(got.Headers) != 20 || got.Headers[19].BlockHash() != stop {
			t.Fatalf("getheaders to #20: %d headers", len(got.Headers))
		}

		tip := hs[29].BlockHash()
		gb := wire.NewMsgGetBlocks(&chainhash.Hash{})
		_ = gb.AddBlockLocatorHash(&tip)
		mustSend(t, p, gb)
		if inv := mustRecv[*wire.MsgInv](t, p); len(inv.InvList) != 0 {
			t.Fatalf("getblocks from the tip: inv of %d, want an empty inv", len(inv.InvList))
		}

		mustSend(t, p, wire.NewMsgGetAddr())
		gd := wire.NewMsgGetData()
		_ = gd.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &tip))
		mustSend(t, p, gd)
		synctest.Wait() // the server has handled both
		next := source.mine(1, 2)[0].BlockHash()
		srv.Announce()
		// The next message must be the announcement: getaddr and getdata
		// got no answer.
		inv := mustRecv[*wire.MsgInv](t, p)
		if len(inv.InvList) != 1 || inv.InvList[0].Hash != next || inv.InvList[0].Type != wire.InvTypeBlock {
			t.Fatalf("announcement %+v, want inv of the new tip", inv.InvList)
		}
		nodeTip := chainhash.Hash{7}
		own := wire.NewMsgInv()
		_ = own.AddInvVect(wire.NewInvVect(wire.InvTypeTx, &chainhash.Hash{8}))
		_ = own.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &nodeTip))
		mustSend(t, p, own)
		synctest.Wait()
		ps := srv.Peers()
		if len(ps) != 1 || ps[0].NodeBlock != nodeTip {
			t.Fatalf("peer info %+v, want the node's announced block %v", ps, nodeTip)
		}
		if ps[0].GetAddr != 1 || ps[0].GetData != 1 || ps[0].GetBlocks != 1 || ps[0].GetHeaders != 1 {
			t.Fatalf("peer info %+v", ps)
		}
		p.close()
		cancel()
		if err := <-served; !errors.Is(err, context.Canceled) {
			t.Fatalf("Serve = %v", err)
		}
	})
}

// TestServerPeerLimit: connections beyond MaxPeers are closed at once.
func TestServerPeerLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln := newPipeListener()
		srv, err := NewServer(ServerConfig{Params: regtest, Headers: newMemChain(regtest), MaxPeers: 1})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error)
		go func() { served <- srv.Serve(ctx, ln) }()
		first := dialRaw(t, ln)
		nc, err := ln.Dial(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nc.Read(make([]byte, 1)); err == nil {
			t.Fatal("second peer was served")
		}
		nc.Close()
		if n := len(srv.Peers()); n != 1 {
			t.Fatalf("%d peers, want 1", n)
		}
		first.close()
		cancel()
		<-served
	})
}

// dialRaw connects to ln and completes the handshake as a node would.
func dialRaw(t *testing.T, ln *pipeListener) *peerConn {
	t.Helper()
	nc, err := ln.Dial(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	p := newPeerConn(nc, regtest.Net, time.Minute, testLogger())
	local := localVersion{magic: regtest.Net, services: wire.SFNodeNetwork | wire.SFNodeWitness, nonce: newNonce(), now: time.Now()}
	if _, err := handshake(p, local, true, time.Minute); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustSend(t *testing.T, p *peerConn, m wire.Message) {
	t.Helper()
	if err := p.send(m); err != nil {
		t.Fatal(err)
	}
}

// mustRecv reads the next message and checks its type.
func mustRecv[M wire.Message](t *testing.T, p *peerConn) M {
	t.Helper()
	m, err := p.recv()
	if err != nil {
		t.Fatal(err)
	}
	got, ok := m.(M)
	if !ok {
		t.Fatalf("received %s (%T)", m.Command(), m)
	}
	return got
}

// flakyListener fails its first Accept, as a listener out of file
// descriptors does.
type flakyListener struct {
	*pipeListener
	failed bool
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if !l.failed {
		l.failed = true
		return nil, errors.New("accept: too many open files")
	}
	return l.pipeListener.Accept()
}

// TestServerSurvivesAcceptError: a failing Accept pauses the server, it
// does not end it.
func TestServerSurvivesAcceptError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln := &flakyListener{pipeListener: newPipeListener()}
		srv, err := NewServer(ServerConfig{Params: regtest, Headers: newMemChain(regtest)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error)
		go func() { served <- srv.Serve(ctx, ln) }()
		p := dialRaw(t, ln.pipeListener)
		if n := len(srv.Peers()); n != 1 {
			t.Errorf("%d peers after an accept error, want 1", n)
		}
		p.close()
		cancel()
		if err := <-served; !errors.Is(err, context.Canceled) {
			t.Fatalf("Serve = %v", err)
		}
	})
}

// TestServeEndsWhenListenerCloses: a listener closed under Serve (not by its
// context) ends Serve at once, and Serve closes the peers it was serving
// rather than waiting for them to leave.
func TestServeEndsWhenListenerCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln := newPipeListener()
		srv, err := NewServer(ServerConfig{Params: regtest, Headers: newMemChain(regtest), Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(context.Background(), ln) }()
		p := dialRaw(t, ln)
		defer p.close()
		ln.Close()
		select {
		case err := <-served:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("Serve = %v, want net.ErrClosed", err)
			}
		case <-time.After(time.Second):
			t.Fatal("Serve still waits for its peer after the listener closed")
		}
		if _, err := p.recv(); err == nil {
			t.Error("the peer's connection is still open")
		}
	})
}
