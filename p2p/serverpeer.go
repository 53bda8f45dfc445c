package p2p

import (
	"context"
	"net"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// maxGetBlocksReply is how many block hashes answer a getblocks, as in
// Bitcoin Core and btcd.
const maxGetBlocksReply = wire.MaxBlocksPerMsg

// serverPeer is one node connected to a Server. Its state is owned by the
// goroutine in run; info is also read by Server.Peers.
type serverPeer struct {
	s        *Server
	p        *peerConn
	announce chan struct{} // the source's tip changed; buffered, 1

	lastAnnounced chainhash.Hash // the newest tip this peer has been told of
	sendHeaders   bool
	pingNonce     uint64
	pingPending   bool

	mu   sync.Mutex
	info PeerInfo
}

func newServerPeer(s *Server, nc net.Conn) *serverPeer {
	return &serverPeer{
		s:        s,
		p:        newPeerConn(nc, s.cfg.Params.Net, s.cfg.WriteTimeout, s.log),
		announce: make(chan struct{}, 1),
		info:     PeerInfo{Addr: nc.RemoteAddr().String()},
	}
}

func (sp *serverPeer) snapshot() PeerInfo {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.info
}

func (sp *serverPeer) update(f func(*PeerInfo)) {
	sp.mu.Lock()
	f(&sp.info)
	sp.mu.Unlock()
}

// run shakes hands and serves the peer until the connection ends.
func (sp *serverPeer) run(ctx context.Context) error {
	cfg := &sp.s.cfg
	_, height := cfg.Headers.Tip()
	local := localVersion{
		magic:       cfg.Params.Net,
		services:    wire.SFNodeNetwork | wire.SFNodeWitness, // btcd drops outbound peers without NODE_NETWORK
		userAgent:   cfg.UserAgent,
		startHeight: height,
		nonce:       newNonce(),
		now:         cfg.Clock.Now(),
	}
	remote, err := handshake(sp.p, local, false, cfg.HandshakeTimeout)
	if err != nil {
		return err
	}
	now := cfg.Clock.Now()
	sp.update(func(i *PeerInfo) {
		i.UserAgent, i.Version, i.StartHeight, i.Since = remote.UserAgent, remote.ProtocolVersion, remote.LastBlock, now
	})
	sp.s.log.Info("p2p: peer connected", "peer", sp.info.Addr, "agent", remote.UserAgent, "height", remote.LastBlock)
	return sp.loop(ctx)
}

func (sp *serverPeer) loop(ctx context.Context) error {
	sp.p.startReader()
	ping := sp.s.cfg.Clock.NewTicker(sp.s.cfg.PingInterval)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err = <-sp.p.errs:
			return err
		case msg := <-sp.p.msgs:
			err = sp.handle(msg)
		case <-sp.announce:
			err = sp.announceTip()
		case <-ping.Chan():
			if sp.pingPending {
				return errPingTimeout
			}
			sp.pingNonce, sp.pingPending = newNonce(), true
			err = sp.p.send(wire.NewMsgPing(sp.pingNonce))
		}
		if err != nil {
			return err
		}
	}
}

func (sp *serverPeer) handle(msg wire.Message) error {
	switch m := msg.(type) {
	case *wire.MsgPing:
		return sp.p.send(wire.NewMsgPong(m.Nonce))
	case *wire.MsgPong:
		if m.Nonce == sp.pingNonce {
			sp.pingPending = false
		}
	case *wire.MsgSendHeaders:
		sp.sendHeaders = true
		sp.update(func(i *PeerInfo) { i.SendHeaders = true })
	case *wire.MsgGetHeaders:
		sp.update(func(i *PeerInfo) { i.GetHeaders++ })
		return sp.onGetHeaders(m)
	case *wire.MsgGetBlocks:
		sp.update(func(i *PeerInfo) { i.GetBlocks++ })
		return sp.onGetBlocks(m)
	case *wire.MsgGetData:
		// Blocks we do not have: no answer. A notfound would add 20 ban
		// points per block on btcd; silence costs a stall disconnection at
		// worst.
		sp.update(func(i *PeerInfo) { i.GetData++ })
	case *wire.MsgInv:
		sp.noteNodeBlock(m)
	case *wire.MsgHeaders:
		if n := len(m.Headers); n > 0 {
			h := m.Headers[n-1].BlockHash()
			sp.update(func(i *PeerInfo) { i.NodeBlock = h })
		}
	case *wire.MsgGetAddr:
		// Never answered: an empty addr gets us disconnected, and we know
		// no addresses worth sharing.
		sp.update(func(i *PeerInfo) { i.GetAddr++ })
	default:
		// addr, feefilter, mempool, ...: ignored.
	}
	return nil
}

// noteNodeBlock records the last block hash of a node's inv. Transactions
// are ignored: the server relays none.
func (sp *serverPeer) noteNodeBlock(m *wire.MsgInv) {
	for i := len(m.InvList) - 1; i >= 0; i-- {
		if iv := m.InvList[i]; iv.Type == wire.InvTypeBlock || iv.Type == wire.InvTypeWitnessBlock {
			sp.update(func(info *PeerInfo) { info.NodeBlock = iv.Hash })
			return
		}
	}
}

// onGetHeaders answers with up to 2,000 headers after the locator.
func (sp *serverPeer) onGetHeaders(m *wire.MsgGetHeaders) error {
	hs := sp.s.cfg.Headers.HeadersAfter(hashes(m.BlockLocatorHashes), m.HashStop, wire.MaxBlockHeadersPerMsg)
	reply := wire.NewMsgHeaders()
	for i := range hs {
		if err := reply.AddBlockHeader(&hs[i]); err != nil {
			break
		}
	}
	if n := len(hs); n > 0 {
		sp.lastAnnounced = hs[n-1].BlockHash()
	}
	return sp.p.send(reply)
}

// onGetBlocks answers with an inv of up to 500 block hashes after the
// locator, empty when there are none: btcd disconnects a peer that leaves
// its getblocks without an inv for 30 s.
func (sp *serverPeer) onGetBlocks(m *wire.MsgGetBlocks) error {
	hs := sp.s.cfg.Headers.HeadersAfter(hashes(m.BlockLocatorHashes), m.HashStop, maxGetBlocksReply)
	inv := wire.NewMsgInvSizeHint(uint(len(hs)))
	for i := range hs {
		h := hs[i].BlockHash()
		_ = inv.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &h))
		sp.lastAnnounced = h
	}
	return sp.p.send(inv)
}

// maxAnnounceHeaders is the most headers one announcement carries, as in
// Bitcoin Core (MAX_BLOCKS_TO_ANNOUNCE).
const maxAnnounceHeaders = 8

// announceTip tells the peer about the source's tip unless it knows it. A
// peer that sent sendheaders (BIP 130) gets a headers message: every header
// since the last one it was told of when they are at most 8, else the tip
// alone (a peer missing the parent asks with getheaders). Others get inv
// MSG_BLOCK.
func (sp *serverPeer) announceTip() error {
	tip, _ := sp.s.cfg.Headers.Tip()
	hash := tip.BlockHash()
	if hash == sp.lastAnnounced {
		return nil
	}
	last := sp.lastAnnounced
	sp.lastAnnounced = hash
	if !sp.sendHeaders {
		inv := wire.NewMsgInv()
		_ = inv.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &hash))
		return sp.p.send(inv)
	}
	hs := sp.s.cfg.Headers.HeadersAfter([]chainhash.Hash{last}, hash, maxAnnounceHeaders)
	if len(hs) == 0 || hs[len(hs)-1].BlockHash() != hash || hs[0].PrevBlock != last {
		hs = []wire.BlockHeader{tip}
	}
	msg := wire.NewMsgHeaders()
	for i := range hs {
		_ = msg.AddBlockHeader(&hs[i])
	}
	return sp.p.send(msg)
}

// hashes copies a message's locator.
func hashes(loc []*chainhash.Hash) []chainhash.Hash {
	out := make([]chainhash.Hash, len(loc))
	for i, h := range loc {
		out[i] = *h
	}
	return out
}
