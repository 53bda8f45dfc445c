package p2p

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"
)

// pipeListener is a net.Listener over net.Pipe connections, for tests in
// testing/synctest bubbles (real sockets do not block durably there). Dial
// is the other end, for ClientConfig.Dial.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// Dial connects to the listener, or fails like a closed port.
func (l *pipeListener) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	a, b := net.Pipe()
	select {
	case l.conns <- b:
		return a, nil
	case <-l.done:
		return nil, syscall.ECONNREFUSED
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// acceptNode accepts one connection on ln and completes the handshake as
// the node side (inbound) would, at the given start height, then starts the
// connection's reader. The caller closes the connection.
func acceptNode(ln *pipeListener, height int32) (*peerConn, error) {
	nc, err := ln.Accept()
	if err != nil {
		return nil, err
	}
	p := newPeerConn(nc, regtest.Net, time.Minute, testLogger())
	local := localVersion{magic: regtest.Net, services: wire.SFNodeNetwork | wire.SFNodeWitness, startHeight: height, nonce: newNonce(), now: time.Now()}
	if _, err := handshake(p, local, false, time.Minute); err != nil {
		p.close()
		return nil, err
	}
	p.startReader()
	return p, nil
}

// clientWithNode runs serve, a scripted node on a pipe listener, and a
// Client into sink that dials it, in the current synctest bubble. stop ends
// the client, closes the listener and checks how both ended.
func clientWithNode(t *testing.T, sink *memChain, serve func(*pipeListener) error) (client *Client, stop func()) {
	t.Helper()
	ln := newPipeListener()
	nodeDone := make(chan error, 1)
	go func() { nodeDone <- serve(ln) }()
	client, err := NewClient(ClientConfig{Params: regtest, Node: "pipe", Chain: sink, Dial: ln.Dial, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- client.Run(ctx) }()
	return client, func() {
		cancel()
		if err := <-runDone; !errors.Is(err, context.Canceled) {
			t.Errorf("Run ended with %v, want context.Canceled", err)
		}
		ln.Close()
		if err := <-nodeDone; err != nil {
			t.Errorf("node: %v", err)
		}
	}
}
