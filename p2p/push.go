package p2p

import (
	"time"

	"github.com/btcsuite/btcd/wire"
)

// pushStage is where one transaction push stands on a connection.
type pushStage int

const (
	// announced: inv sent, waiting for the node's getdata.
	announced pushStage = iota
	// sent: tx sent in answer to getdata and a getdata for it sent right
	// after; the node handles a peer's messages in order, so the answer
	// (tx from the mempool, or notfound) reflects its verdict, and a
	// reject, if any, comes before it.
	sent
	// probing: the node never asked; getdata sent to see whether it
	// already has the transaction. A notfound sends the transaction
	// unsolicited (stage sent).
	probing
	// confirming: a Bitcoin Core node answered notfound after the send.
	// Core serves a transaction to a peer only once it has announced its
	// mempool to that peer since taking it (net_processing
	// FindTxForGetData, m_last_inv_sequence; every 5 s on average for an
	// inbound peer; before that, Core served only transactions older than
	// 2 min), and it sends no reject. So the client asks again at the
	// deadline, with a growing pause, until confirmEnd (TxConfirmWindow
	// after the send); then the outcome is TxUnknown.
	confirming
)

// Pauses between the probes of a confirming push: the first after
// firstConfirmPause, doubling up to maxConfirmPause.
const (
	firstConfirmPause = 5 * time.Second
	maxConfirmPause   = 30 * time.Second
)

// push is one transaction's progress on one connection.
type push struct {
	e        *txEntry
	stage    pushStage
	deadline time.Time
	// confirmEnd and pause drive the confirming stage: set when the
	// transaction is sent.
	confirmEnd time.Time
	pause      time.Duration
}

// markSent records that the transaction went to the node at now and a
// probe follows.
func (s *session) markSent(ps *push, now time.Time) {
	ps.stage, ps.deadline = sent, now.Add(s.c.cfg.TxResultTimeout)
	ps.confirmEnd, ps.pause = now.Add(s.c.cfg.TxConfirmWindow), firstConfirmPause
}

// announceQueued sends one inv for every queued transaction this
// connection has not announced yet. A witness variant of a transaction in
// flight (same txid) waits until that push ends: the node's answers name
// only the txid.
func (s *session) announceQueued() error {
	inv := wire.NewMsgInv()
	now := s.clock.Now()
	for _, e := range s.c.queue.pending() {
		if s.pushes[e.txid] != nil {
			continue
		}
		if err := inv.AddInvVect(wire.NewInvVect(wire.InvTypeTx, &e.txid)); err != nil {
			break // more than 50,000: the rest go with the next notification
		}
		s.pushes[e.txid] = &push{e: e, stage: announced, deadline: now.Add(s.c.cfg.TxGetDataTimeout)}
	}
	if len(inv.InvList) == 0 {
		return nil
	}
	s.armTxTimer()
	return s.p.send(inv)
}

// onGetData answers the node's requests for our transactions, then asks
// for them back (see sent). Requests for anything else get no answer: a
// notfound would cost ban score on btcd.
func (s *session) onGetData(m *wire.MsgGetData) error {
	probe := wire.NewMsgGetData()
	for _, iv := range m.InvList {
		ps := s.pushes[iv.Hash]
		if ps == nil || (iv.Type != wire.InvTypeTx && iv.Type != wire.InvTypeWitnessTx) {
			continue
		}
		enc := wire.BaseEncoding
		if iv.Type == wire.InvTypeWitnessTx {
			enc = wire.WitnessEncoding
		}
		if err := s.p.sendEnc(ps.e.tx, enc); err != nil {
			return err
		}
		s.markSent(ps, s.clock.Now())
		_ = probe.AddInvVect(wire.NewInvVect(wire.InvTypeWitnessTx, &ps.e.txid))
	}
	if len(probe.InvList) == 0 {
		return nil
	}
	s.armTxTimer()
	return s.p.send(probe)
}

// onTx takes the node's answer to a probe: the transaction is in its
// mempool. A copy with another witness than ours (same txid) means the
// node held that variant already: the spend is in the mempool, ours was not
// what put it there.
func (s *session) onTx(m *wire.MsgTx) {
	txid := m.TxHash()
	ps := s.pushes[txid]
	if ps == nil {
		return
	}
	status := TxAccepted
	if ps.stage == probing || m.WitnessHash() != ps.e.wtxid {
		status = TxAlreadyKnown
	}
	s.finish(ps, TxResult{TxID: txid, Status: status})
}

// onNotFound takes the node's "not in my mempool". After a send it is the
// verdict: the node did not reject the transaction (a reject would have come
// first) and did not keep it. After a probe of a transaction the node never
// requested, the node may simply have missed the announcement: btcd drops
// an inv that arrives before its sync manager has registered the peer, which
// is exactly when a reconnection announces the queued transactions. So the
// client sends the transaction unsolicited (btcd and Core accept that) and
// asks again.
func (s *session) onNotFound(m *wire.MsgNotFound) error {
	probe := wire.NewMsgGetData()
	for _, iv := range m.InvList {
		ps := s.pushes[iv.Hash]
		switch {
		case ps == nil || ps.stage == announced:
		case ps.stage == probing:
			if err := s.p.send(ps.e.tx); err != nil {
				return err
			}
			s.markSent(ps, s.clock.Now())
			_ = probe.AddInvVect(wire.NewInvVect(wire.InvTypeWitnessTx, &ps.e.txid))
		case ps.stage == sent && s.confirmByProbe && s.clock.Now().Before(ps.confirmEnd):
			now := s.clock.Now()
			ps.stage, ps.deadline = confirming, minTime(now.Add(ps.pause), ps.confirmEnd)
			ps.pause = min(2*ps.pause, maxConfirmPause)
			s.armTxTimer()
		case ps.stage == confirming: // a late answer to a probe already repeated
		default:
			s.finish(ps, TxResult{TxID: iv.Hash, Status: TxUnknown})
		}
	}
	if len(probe.InvList) == 0 {
		return nil
	}
	s.armTxTimer()
	return s.p.send(probe)
}

// onReject records the node's verdict on a transaction we pushed. Only a
// push that has sent its transaction takes a reject: the node answers in
// order, so a reject can only follow our tx, and one that arrives late for
// a push already ended must not become the verdict of a witness variant
// announced since under the same txid.
func (s *session) onReject(m *wire.MsgReject) {
	if m.Cmd != wire.CmdTx {
		s.c.log.Warn("p2p: node rejected a message", "cmd", m.Cmd, "code", m.Code, "reason", m.Reason)
		return
	}
	if ps := s.pushes[m.Hash]; ps != nil && (ps.stage == sent || ps.stage == confirming) {
		s.finish(ps, TxResult{TxID: m.Hash, Status: TxRejected, Code: m.Code, Reason: m.Reason})
	}
}

// txDeadlines moves pushes whose wait is over: an unrequested announcement
// is probed, an unanswered send or probe ends as TxUnknown.
func (s *session) txDeadlines() error {
	now := s.clock.Now()
	probe := wire.NewMsgGetData()
	for txid, ps := range s.pushes {
		if now.Before(ps.deadline) {
			continue
		}
		if !s.c.queue.queued(ps.e) {
			s.forget(ps) // its caller gave up
			continue
		}
		switch {
		case ps.stage == confirming && now.Before(ps.confirmEnd):
			ps.stage, ps.deadline = sent, now.Add(s.c.cfg.TxResultTimeout) // ask again
		case ps.stage != announced:
			s.finish(ps, TxResult{TxID: txid, Status: TxUnknown})
			continue
		default:
			ps.stage, ps.deadline = probing, now.Add(s.c.cfg.TxResultTimeout)
		}
		_ = probe.AddInvVect(wire.NewInvVect(wire.InvTypeWitnessTx, &ps.e.txid))
	}
	s.armTxTimer()
	if len(probe.InvList) == 0 {
		return nil
	}
	return s.p.send(probe)
}

// finish ends a push with res.
func (s *session) finish(ps *push, res TxResult) {
	s.c.queue.complete(ps.e, res)
	s.c.log.Info("p2p: transaction outcome", "txid", res.TxID, "status", res.Status,
		"code", res.Code, "reason", res.Reason)
	s.forget(ps)
}

// forget ends a push on this connection and wakes the witness variants
// that waited for its txid to be free. A push whose caller gave up stays
// until its deadline, so that the node's answers about that txid until
// then are not taken for a variant's; a reject that comes later still is
// ignored by a variant that has not sent its transaction (onReject).
func (s *session) forget(ps *push) {
	delete(s.pushes, ps.e.txid)
	s.c.queue.wake()
	s.armTxTimer()
}

// armTxTimer points the timer at the earliest push deadline.
func (s *session) armTxTimer() {
	s.txTimer.Stop()
	var first time.Time
	for _, ps := range s.pushes {
		if first.IsZero() || ps.deadline.Before(first) {
			first = ps.deadline
		}
	}
	if !first.IsZero() {
		s.txTimer.Reset(max(first.Sub(s.clock.Now()), 0))
	}
}

// minTime returns the earlier of a and b.
func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
