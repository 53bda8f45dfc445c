package p2p

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
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
