package p2p

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

var regtest = &chaincfg.RegressionNetParams

// pair runs a Server over source and a Client into sink, connected by
// pipes, inside the current synctest bubble. It returns a function that
// stops both and checks they ended with the context.
func pair(t *testing.T, source, sink *memChain, tweak func(*ClientConfig)) (*Client, *Server, func()) {
	t.Helper()
	ln := newPipeListener()
	srv, err := NewServer(ServerConfig{Params: regtest, Headers: source, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := ClientConfig{Params: regtest, Node: "pipe", Chain: sink, Dial: ln.Dial, Logger: testLogger()}
	if tweak != nil {
		tweak(&cfg)
	}
	client, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	go func() { errs <- srv.Serve(ctx, ln) }()
	go func() { errs <- client.Run(ctx) }()
	return client, srv, func() {
		cancel()
		for range 2 {
			if err := <-errs; !errors.Is(err, context.Canceled) {
				t.Errorf("ended with %v, want context.Canceled", err)
			}
		}
	}
}

func sameTip(t *testing.T, a, b *memChain) {
	t.Helper()
	ha, na := a.tipHash()
	hb, nb := b.tipHash()
	if ha != hb {
		t.Fatalf("tips differ: %v at %d and %v at %d", ha, na, hb, nb)
	}
}

// TestClientFollowsServer syncs 2,500 headers (two getheaders rounds),
// follows announced tips (headers, since the client sent sendheaders), and
// follows a reorg announced by a tip whose parent the client lacks.
func TestClientFollowsServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		source, sink := newMemChain(regtest), newMemChain(regtest)
		source.mine(2500, 1)
		_, srv, stop := pair(t, source, sink, nil)
		defer stop()
		synctest.Wait()
		sameTip(t, source, sink)

		source.mine(3, 2)
		srv.Announce()
		synctest.Wait()
		sameTip(t, source, sink)
		if ps := srv.Peers(); len(ps) != 1 || !ps[0].SendHeaders || ps[0].GetHeaders != 2 {
			t.Fatalf("server saw %+v; want one peer, sendheaders, 2 getheaders", ps)
		}

		// A fork from 10 blocks back, 12 long: the announced tip does not
		// connect to the client's chain, so it asks with its locator.
		_, height := source.tipHash()
		fork := source.best()[height-10].hash
		source.mineFrom(fork, 12, 3)
		srv.Announce()
		synctest.Wait()
		sameTip(t, source, sink)
		if sink.reorgCount() == 0 {
			t.Fatal("the sink saw no reorg")
		}
	})
}

// TestClientBackoff checks the wait between failed connection attempts:
// doubling from MinBackoff up to MaxBackoff.
func TestClientBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var at []time.Duration
		start := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		dial := func(context.Context, string, string) (net.Conn, error) {
			at = append(at, time.Since(start))
			if len(at) == 9 {
				cancel()
			}
			return nil, syscall.ECONNREFUSED
		}
		c, err := NewClient(ClientConfig{Params: regtest, Node: "x:1", Chain: newMemChain(regtest), Dial: dial})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Run(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v", err)
		}
		want := []time.Duration{0, 1, 3, 7, 15, 31, 63, 123, 183} // seconds: waits 1,2,4,...,32,60,60
		for i := range want {
			want[i] *= time.Second
		}
		if len(at) != len(want) {
			t.Fatalf("dialled at %v, want %v", at, want)
		}
		for i := range want {
			if at[i] != want[i] {
				t.Fatalf("dialled at %v, want %v", at, want)
			}
		}
		if st := c.Status(); st.Connected || !strings.Contains(st.LastError, "refused") {
			t.Fatalf("status %+v", st)
		}
	})
}

// TestClientFollowsInvAnnouncements: a node that announces blocks with inv
// (as btcd and Core do to peers that did not send sendheaders, and as some
// nodes do after a reorg) gets a getheaders, never a getdata.
func TestClientFollowsInvAnnouncements(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		source, sink := newMemChain(regtest), newMemChain(regtest)
		source.mine(10, 1)
		announce := make(chan chainhash.Hash)
		_, stop := clientWithNode(t, sink, func(ln *pipeListener) error { return invNode(ln, source, announce) })
		defer stop()
		synctest.Wait()
		sameTip(t, source, sink)

		tip := source.mine(1, 2)[0].BlockHash()
		announce <- tip
		synctest.Wait()
		sameTip(t, source, sink)
	})
}

// invNode serves one connection: headers from source for getheaders, an
// inv MSG_BLOCK for each hash sent on announce, and an error for a getdata.
func invNode(ln *pipeListener, source *memChain, announce <-chan chainhash.Hash) error {
	_, height := source.Tip()
	p, err := acceptNode(ln, height)
	if err != nil {
		return err
	}
	defer p.close()
	for {
		select {
		case <-p.errs:
			return nil // the client went away
		case h := <-announce:
			inv := wire.NewMsgInv()
			_ = inv.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &h))
			if err := p.send(inv); err != nil {
				return err
			}
		case m := <-p.msgs:
			switch m := m.(type) {
			case *wire.MsgGetHeaders:
				reply := wire.NewMsgHeaders()
				for _, h := range source.HeadersAfter(hashes(m.BlockLocatorHashes), m.HashStop, wire.MaxBlockHeadersPerMsg) {
					_ = reply.AddBlockHeader(&h)
				}
				if err := p.send(reply); err != nil {
					return err
				}
			case *wire.MsgGetData:
				return errors.New("the client asked for a block")
			}
		}
	}
}

// TestConfigErrors: a negative duration or bound is an error from the
// constructor, not a panic later (a negative ticker interval panics).
func TestConfigErrors(t *testing.T) {
	chain := newMemChain(regtest)
	for _, tweak := range []func(*ClientConfig){
		func(c *ClientConfig) { c.PingInterval = -time.Second },
		func(c *ClientConfig) { c.ResyncInterval = -time.Second },
		func(c *ClientConfig) { c.MinBackoff = -time.Second },
		func(c *ClientConfig) { c.MaxQueuedTxs = -1 },
	} {
		cfg := ClientConfig{Params: regtest, Node: "x:1", Chain: chain}
		tweak(&cfg)
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("NewClient(%+v) accepted", cfg)
		}
	}
	for _, tweak := range []func(*ServerConfig){
		func(c *ServerConfig) { c.PingInterval = -time.Second },
		func(c *ServerConfig) { c.MaxPeers = -1 },
	} {
		cfg := ServerConfig{Params: regtest, Headers: chain}
		tweak(&cfg)
		if _, err := NewServer(cfg); err == nil {
			t.Errorf("NewServer(%+v) accepted", cfg)
		}
	}
}

// TestAnnouncementBeforeStaleReply: a node computes its reply to the
// client's getheaders, connects a new block, announces it and only then
// sends the reply (btcd queues announcements and replies from different
// goroutines). The announcement does not connect yet (headers) or is not
// followed up because a request is outstanding (inv); the reply lacks the
// new block. The client must ask again once the reply is in, not wait for
// the next block or the 10-minute resync.
func TestAnnouncementBeforeStaleReply(t *testing.T) {
	for _, useInv := range []bool{false, true} {
		t.Run(fmt.Sprintf("inv %v", useInv), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				source, sink := newMemChain(regtest), newMemChain(regtest)
				source.mine(10, 1)
				_, stop := clientWithNode(t, sink, func(ln *pipeListener) error { return staleReplyNode(ln, source, useInv) })
				defer stop()
				synctest.Wait()
				want, wantHeight := source.tipHash()
				if got, h := sink.tipHash(); got != want {
					t.Errorf("client at height %d, node at %d: the announced block was missed", h, wantHeight)
				}
			})
		})
	}
}

// staleReplyNode answers the first getheaders with headers computed before
// it mines a block that it announces (headers or inv) ahead of the reply;
// later getheaders get current answers.
func staleReplyNode(ln *pipeListener, source *memChain, useInv bool) error {
	_, height := source.Tip()
	p, err := acceptNode(ln, height)
	if err != nil {
		return err
	}
	defer p.close()
	first := true
	for {
		select {
		case <-p.errs:
			return nil // the client went away
		case m := <-p.msgs:
			gh, ok := m.(*wire.MsgGetHeaders)
			if !ok {
				continue
			}
			reply := wire.NewMsgHeaders()
			for _, h := range source.HeadersAfter(hashes(gh.BlockLocatorHashes), gh.HashStop, wire.MaxBlockHeadersPerMsg) {
				_ = reply.AddBlockHeader(&h)
			}
			if first {
				first = false
				tip := source.mine(1, 2)[0]
				var ann wire.Message = wire.NewMsgHeaders()
				_ = ann.(*wire.MsgHeaders).AddBlockHeader(&tip)
				if useInv {
					hash := tip.BlockHash()
					ann = wire.NewMsgInv()
					_ = ann.(*wire.MsgInv).AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &hash))
				}
				if err := p.send(ann); err != nil {
					return err
				}
			}
			if err := p.send(reply); err != nil {
				return err
			}
		}
	}
}

// askAgainSink keeps only half of the first reply and asks for the rest,
// as a headers presync switching to its second download does.
type askAgainSink struct {
	*memChain
	asked bool
}

type askAgainErr struct{}

func (askAgainErr) Error() string  { return "ask again" }
func (askAgainErr) AskAgain() bool { return true }

func (s *askAgainSink) AddHeaders(hs []wire.BlockHeader) error {
	if !s.asked {
		s.asked = true
		if err := s.memChain.AddHeaders(hs[:len(hs)/2]); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", askAgainErr{})
	}
	return s.memChain.AddHeaders(hs)
}

// TestClientAsksAgainWhenTheSinkSaysSo: a short reply answered with an
// AskAgain error makes the client send another getheaders at once.
func TestClientAsksAgainWhenTheSinkSaysSo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		source, mem := newMemChain(regtest), newMemChain(regtest)
		source.mine(100, 1)
		sink := &askAgainSink{memChain: mem}
		ln := newPipeListener()
		srv, err := NewServer(ServerConfig{Params: regtest, Headers: source, Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		client, err := NewClient(ClientConfig{Params: regtest, Node: "pipe", Chain: sink, Dial: ln.Dial, Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go srv.Serve(ctx, ln)
		go client.Run(ctx)
		synctest.Wait()
		if !sink.asked {
			t.Fatal("the sink was never asked")
		}
		sameTip(t, source, mem)
		if ps := srv.Peers(); len(ps) != 1 || ps[0].GetHeaders != 2 {
			t.Fatalf("server saw %+v; want 2 getheaders", ps)
		}
		cancel()
		synctest.Wait()
	})
}
