package p2p

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// errPingTimeout ends a connection whose peer did not answer a ping before
// the next one was due.
var errPingTimeout = errors.New("p2p: ping not answered")

// session is one connection of the Client to the node. All its state is
// owned by the goroutine in run.
type session struct {
	c     *Client
	p     *peerConn
	clock clock.Clock

	// header sync
	headersAsked time.Time      // when the outstanding getheaders went out; zero if none
	askedTop     chainhash.Hash // newest locator hash of that getheaders
	// missed is set when an announcement came while a getheaders was
	// outstanding and could not be followed: ask again after the reply.
	missed bool

	// pings
	pingNonce   uint64
	pingPending bool

	// transaction pushes of this connection, by txid
	pushes  map[chainhash.Hash]*push
	txTimer clock.Timer
	// confirmByProbe: the node is Bitcoin Core (or a fork with its user
	// agent), which sends no reject and serves a transaction we sent only
	// after its next announcement round: a notfound after a send is asked
	// again for TxConfirmWindow (see confirming).
	confirmByProbe bool
}

func newSession(c *Client, p *peerConn) *session {
	t := c.cfg.Clock.NewTimer(time.Hour)
	t.Stop()
	return &session{c: c, p: p, clock: c.cfg.Clock, pushes: make(map[chainhash.Hash]*push), txTimer: t}
}

// run serves the connection until it fails or ctx ends.
func (s *session) run(ctx context.Context) error {
	s.p.startReader()
	ping := s.clock.NewTicker(s.c.cfg.PingInterval)
	defer ping.Stop()
	resync := s.clock.NewTicker(s.c.cfg.ResyncInterval)
	defer resync.Stop()
	defer s.txTimer.Stop()
	if err := s.start(); err != nil {
		return err
	}
	for {
		var err error
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err = <-s.p.errs:
			return err
		case msg := <-s.p.msgs:
			err = s.handle(msg)
		case <-s.c.queue.notify:
			err = s.announceQueued()
		case <-ping.Chan():
			err = s.ping()
		case <-resync.Chan():
			err = s.requestHeaders(false)
		case <-s.txTimer.Chan():
			err = s.txDeadlines()
		}
		if err != nil {
			return err
		}
	}
}

// start sends what follows the handshake: sendheaders and feefilter (only
// now: btcd disconnects a peer that sends them before verack), the first
// getheaders, and the queued transactions.
func (s *session) start() error {
	if s.p.pver >= wire.SendHeadersVersion {
		if err := s.p.send(wire.NewMsgSendHeaders()); err != nil {
			return err
		}
	}
	if s.p.pver >= wire.FeeFilterVersion {
		if err := s.p.send(wire.NewMsgFeeFilter(s.feeFilter())); err != nil {
			return err
		}
	}
	if err := s.requestHeaders(true); err != nil {
		return err
	}
	return s.announceQueued()
}

// feeFilter is the fee rate (sat/kvB) below which the node should not
// announce transactions: 1 sat/vB when we relay, else the whole money supply,
// as Bitcoin Core does in blocks-only mode.
func (s *session) feeFilter() int64 {
	if s.c.cfg.RelayTxs {
		return 1000
	}
	return 21_000_000 * 100_000_000
}

func (s *session) handle(msg wire.Message) error {
	switch m := msg.(type) {
	case *wire.MsgPing:
		return s.p.send(wire.NewMsgPong(m.Nonce))
	case *wire.MsgPong:
		if m.Nonce == s.pingNonce {
			s.pingPending = false
		}
	case *wire.MsgHeaders:
		return s.onHeaders(m)
	case *wire.MsgInv:
		return s.onInv(m)
	case *wire.MsgGetData:
		return s.onGetData(m)
	case *wire.MsgTx:
		s.onTx(m)
	case *wire.MsgNotFound:
		return s.onNotFound(m)
	case *wire.MsgReject:
		s.onReject(m)
	default:
		// addr, getaddr, getheaders, feefilter, sendheaders, ...: a client
		// that serves nothing ignores them.
	}
	return nil
}

// ping sends a ping, or ends the session when the last one is unanswered.
func (s *session) ping() error {
	if s.pingPending {
		return errPingTimeout
	}
	s.pingNonce, s.pingPending = newNonce(), true
	return s.p.send(wire.NewMsgPing(s.pingNonce))
}

// requestHeaders sends getheaders from the sink's locator, unless one is
// still outstanding (force overrides that). A reply of 2,000 headers is
// followed by the next request from the new locator; a locator that did not
// move stops the loop.
func (s *session) requestHeaders(force bool) error {
	now := s.clock.Now()
	if !force && !s.headersAsked.IsZero() && now.Sub(s.headersAsked) < s.c.cfg.HeadersTimeout {
		return nil
	}
	loc := s.locator()
	msg := wire.NewMsgGetHeaders()
	// btcd's NewMsgGetHeaders leaves the version 0; Core and btcd ignore
	// it, but the field is the sender's protocol version.
	msg.ProtocolVersion = ProtocolVersion
	for i := range loc {
		if err := msg.AddBlockLocatorHash(&loc[i]); err != nil {
			return fmt.Errorf("p2p: getheaders: %w", err)
		}
	}
	s.headersAsked, s.askedTop = now, loc[0]
	return s.p.send(msg)
}

// locator returns the sink's locator, capped to 500 hashes (keeping the
// last, genesis), or the genesis hash when the sink gives none.
func (s *session) locator() []chainhash.Hash {
	loc := s.c.cfg.Chain.BlockLocator()
	if len(loc) == 0 {
		return []chainhash.Hash{*s.c.cfg.Params.GenesisHash}
	}
	if len(loc) > wire.MaxBlockLocatorsPerMsg {
		loc = append(append([]chainhash.Hash(nil), loc[:wire.MaxBlockLocatorsPerMsg-1]...), loc[len(loc)-1])
	}
	return loc
}

// onHeaders hands headers to the sink and decides whether to ask for more.
//
// While a getheaders is outstanding, headers that do not connect may be its
// reply refusing to fit the sink's chain, or an announcement that overtook
// the reply (a node computes the reply, connects a block, announces it, then
// sends the reply without it). The client cannot tell them apart, so it
// keeps waiting for the reply (HeadersTimeout bounds the wait) and asks
// again once it is in.
func (s *session) onHeaders(m *wire.MsgHeaders) error {
	outstanding := !s.headersAsked.IsZero()
	var err error
	if len(m.Headers) > 0 {
		err = s.addHeaders(m.Headers)
	}
	var again interface{ AskAgain() bool }
	switch {
	case errors.As(err, &again) && again.AskAgain():
		s.missed = false // the new request covers it
		return s.requestHeaders(true)
	case err != nil && outstanding:
		s.c.log.Warn("p2p: headers from the node do not fit the chain (an early announcement, or a bad reply)", "count", len(m.Headers), "err", err)
		s.missed = true
		return nil
	case err != nil:
		s.c.log.Debug("p2p: announced headers do not connect; asking", "err", err)
		return s.requestHeaders(true)
	}
	s.headersAsked = time.Time{}
	full := len(m.Headers) == wire.MaxBlockHeadersPerMsg && s.locator()[0] != s.askedTop
	if full || s.missed {
		s.missed = false
		return s.requestHeaders(true)
	}
	return nil
}

// addHeaders hands headers to the sink and counts them.
func (s *session) addHeaders(headers []*wire.BlockHeader) error {
	hs := make([]wire.BlockHeader, len(headers))
	for i, h := range headers {
		hs[i] = *h
	}
	err := s.c.cfg.Chain.AddHeaders(hs)
	now := s.clock.Now()
	s.c.update(func(st *Status) { st.HeadersReceived += uint64(len(hs)); st.LastHeaders = now })
	if err != nil {
		return fmt.Errorf("p2p: %d headers from the node refused by the chain: %w", len(hs), err)
	}
	return nil
}

// onInv follows block announcements with getheaders (never getdata: the
// client keeps headers, not blocks) and drops transaction announcements,
// counting the node's echoes of our own pushes.
func (s *session) onInv(m *wire.MsgInv) error {
	blocks := false
	var echoes uint64
	for _, iv := range m.InvList {
		switch iv.Type {
		case wire.InvTypeBlock, wire.InvTypeWitnessBlock:
			blocks = true
		case wire.InvTypeTx, wire.InvTypeWitnessTx:
			if s.pushes[iv.Hash] != nil || s.c.queue.wasPushed(iv.Hash) {
				echoes++
			}
		}
	}
	if echoes > 0 {
		s.c.update(func(st *Status) { st.TxEchoes += echoes })
	}
	if !blocks {
		return nil
	}
	if !s.headersAsked.IsZero() {
		s.missed = true // follow it up once the outstanding reply is in
	}
	return s.requestHeaders(false)
}
