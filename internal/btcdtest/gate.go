package btcdtest

import (
	"fmt"
	"io"
	"net"
	"sync"
)

// gate is the P2P address tests connect to. It forwards each connection to
// btcd's own P2P port. It exists because btcd v0.24.2 deletes its regtest
// database at every start: Restart replays the old chain into the new process
// over RPC, and the gate stays shut (connections refused) until the replay is
// done, so a peer never sees the half-restored chain. To a peer the node is
// simply down for a moment and back with its chain, as a node with a
// persistent database would be.
type gate struct {
	addr   string // where peers connect
	target string // btcd's own P2P listener

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func newGate(addr, target string) *gate {
	return &gate{addr: addr, target: target, conns: make(map[net.Conn]struct{})}
}

// open starts accepting on g.addr.
func (g *gate) open() error {
	ln, err := net.Listen("tcp", g.addr)
	if err != nil {
		return fmt.Errorf("btcdtest: open p2p gate %s: %w", g.addr, err)
	}
	g.mu.Lock()
	g.ln = ln
	g.mu.Unlock()
	g.wg.Add(1)
	go g.accept(ln)
	return nil
}

// shut stops accepting and closes every forwarded connection.
func (g *gate) shut() {
	g.mu.Lock()
	if g.ln != nil {
		g.ln.Close()
		g.ln = nil
	}
	for c := range g.conns {
		c.Close()
	}
	g.mu.Unlock()
	g.wg.Wait()
}

func (g *gate) accept(ln net.Listener) {
	defer g.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed by shut
		}
		up, err := net.Dial("tcp", g.target)
		if err != nil {
			c.Close()
			continue
		}
		if !g.track(c, up) {
			return
		}
		g.wg.Add(2)
		go g.pipe(c, up)
		go g.pipe(up, c)
	}
}

// track registers a forwarded pair unless the gate was shut meanwhile.
func (g *gate) track(a, b net.Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ln == nil {
		a.Close()
		b.Close()
		return false
	}
	g.conns[a], g.conns[b] = struct{}{}, struct{}{}
	return true
}

// pipe copies src to dst, then closes both, so that either side closing
// ends the pair as it would end a direct connection.
func (g *gate) pipe(dst, src net.Conn) {
	defer g.wg.Done()
	// The end of a forwarded stream, clean or not, is not the gate's error.
	_, _ = io.Copy(dst, src)
	g.mu.Lock()
	delete(g.conns, src)
	delete(g.conns, dst)
	g.mu.Unlock()
	src.Close()
	dst.Close()
}
