package p2p

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// HeaderSource is the header chain a Server serves: an off-grid receiver's
// radio-learned chain. Its methods may be called from several peer
// goroutines at once.
type HeaderSource interface {
	// Tip returns the best chain's tip header and its height.
	Tip() (wire.BlockHeader, int32)
	// HeadersAfter returns, oldest first, up to max headers of the best
	// chain that follow the first locator hash found on it (the genesis
	// block when none is), ending early with the header whose hash is stop
	// (the zero hash: no stop). This is the getheaders rule of Bitcoin Core
	// and btcd.
	HeadersAfter(locator []chainhash.Hash, stop chainhash.Hash, max int) []wire.BlockHeader
}

// ServerConfig configures a Server. Params and Headers are required.
type ServerConfig struct {
	// Params selects the network.
	Params *chaincfg.Params
	// Headers is the chain the server serves and announces.
	Headers HeaderSource
	// Clock drives pings (default: the real clock).
	Clock clock.Clock
	// Logger receives the server's logs (default: discard).
	Logger *slog.Logger
	// UserAgent is sent in the version message (default DefaultUserAgent).
	UserAgent string
	// MaxPeers bounds simultaneous peers; more are closed at once
	// (default 8).
	MaxPeers int
	// HandshakeTimeout, WriteTimeout and PingInterval as in ClientConfig
	// (defaults 30 s, 30 s, 2 min).
	HandshakeTimeout, WriteTimeout, PingInterval time.Duration
}

func (c *ServerConfig) setDefaults() error {
	if c.Params == nil || c.Headers == nil {
		return errors.New("p2p: server needs Params and Headers")
	}
	c.Clock = clock.OrReal(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	setDefault(&c.UserAgent, DefaultUserAgent)
	setDefault(&c.MaxPeers, 8)
	setDefault(&c.HandshakeTimeout, 30*time.Second)
	setDefault(&c.WriteTimeout, 30*time.Second)
	setDefault(&c.PingInterval, 2*time.Minute)
	if c.MaxPeers < 0 {
		return fmt.Errorf("p2p: MaxPeers %d is negative", c.MaxPeers)
	}
	return positive(map[string]time.Duration{
		"HandshakeTimeout": c.HandshakeTimeout, "WriteTimeout": c.WriteTimeout, "PingInterval": c.PingInterval,
	})
}

// Server is the inbound side of the bridge: a local full node connects to
// it as to a peer (e.g. Bitcoin Core's -addnode or -connect, btcd's
// --addpeer or --connect). It serves headers from its HeaderSource and
// announces a new tip to every peer: with headers to peers that sent
// sendheaders, with inv MSG_BLOCK to the others. It has no blocks: it
// answers no block request (a notfound costs ban score on btcd) and never
// answers getaddr (an empty addr gets it disconnected).
type Server struct {
	cfg ServerConfig
	log *slog.Logger

	mu    sync.Mutex
	peers map[*serverPeer]struct{}
}

// PeerInfo describes a connected peer of a Server.
type PeerInfo struct {
	// Addr is the peer's address.
	Addr string `json:"addr"`
	// UserAgent, Version and StartHeight come from its version message.
	UserAgent   string `json:"user_agent"`
	Version     int32  `json:"version"`
	StartHeight int32  `json:"start_height"`
	// SendHeaders is true once it asked for headers announcements.
	SendHeaders bool `json:"sendheaders"`
	// Since is when its handshake completed.
	Since time.Time `json:"since"`
	// GetHeaders, GetBlocks, GetData and GetAddr count its requests.
	GetHeaders int `json:"getheaders"`
	GetBlocks  int `json:"getblocks"`
	GetData    int `json:"getdata"`
	GetAddr    int `json:"getaddr"`
	// NodeBlock is the newest block the node announced to us (inv or
	// headers): its own tip, as far as it tells; zero until it does.
	NodeBlock chainhash.Hash `json:"node_block"`
}

// NewServer checks cfg and returns a server; call Serve to accept peers.
func NewServer(cfg ServerConfig) (*Server, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, log: cfg.Logger, peers: make(map[*serverPeer]struct{})}, nil
}

// Serve accepts peers on ln until ctx ends, then closes ln and every peer
// and returns ctx.Err(). A failing Accept (too many open files, ...) is
// retried after a pause growing from 5 ms to 1 s; Serve returns early only
// when ln is closed under it, and then closes its peers too. It returns
// when every peer goroutine has ended.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	peerCtx, endPeers := context.WithCancel(ctx)
	defer endPeers() // before wg.Wait: the peers end with Serve
	pause := time.Duration(0)
	for {
		nc, err := ln.Accept()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, net.ErrClosed):
			return fmt.Errorf("p2p: accept: %w", err)
		case err != nil:
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			s.log.Warn("p2p: accept failed; pausing", "err", err, "pause", pause)
			_ = sleep(ctx, s.cfg.Clock, pause)
			continue
		}
		pause = 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.servePeer(peerCtx, nc)
		}()
	}
}

// Announce tells every peer that the HeaderSource's tip changed. It does
// not block.
func (s *Server) Announce() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.peers {
		select {
		case p.announce <- struct{}{}:
		default:
		}
	}
}

// Peers returns the connected peers.
func (s *Server) Peers() []PeerInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]PeerInfo, 0, len(s.peers))
	for p := range s.peers {
		out = append(out, p.snapshot())
	}
	return out
}

// servePeer runs one inbound connection to its end.
func (s *Server) servePeer(ctx context.Context, nc net.Conn) {
	sp := newServerPeer(s, nc)
	defer sp.p.close()
	if !s.register(sp) {
		s.log.Warn("p2p: peer limit reached; closing", "peer", nc.RemoteAddr(), "max", s.cfg.MaxPeers)
		return
	}
	defer s.unregister(sp)
	stop := context.AfterFunc(ctx, func() { _ = nc.Close() })
	defer stop()
	err := sp.run(ctx)
	s.log.Info("p2p: peer gone", "peer", nc.RemoteAddr(), "err", err)
}

func (s *Server) register(sp *serverPeer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.peers) >= s.cfg.MaxPeers {
		return false
	}
	s.peers[sp] = struct{}{}
	return true
}

func (s *Server) unregister(sp *serverPeer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.peers, sp)
}
