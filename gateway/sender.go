package gateway

import (
	"context"
	"time"

	"github.com/altnet/altnet/compress"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/traffic"
	"github.com/altnet/altnet/txqueue"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// senderTick is how often the sender looks at its queue (and picks up
// transactions another process added).
const senderTick = 5 * time.Second

// runSender sends queued transactions until ctx ends.
func (g *Gateway) runSender(ctx context.Context) {
	t := g.clock.NewTicker(senderTick)
	defer t.Stop()
	for {
		g.sendDue()
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
	}
}

// sendDue sends every queued transaction that is due, and gives up the ones
// whose attempts are spent.
func (g *Gateway) sendDue() {
	q := g.o.Queue
	bad, err := q.Scan()
	for _, b := range bad {
		g.log.Error("gateway: damaged transaction file kept aside", "err", b)
	}
	if err != nil {
		g.log.Error("gateway: transaction queue", "err", err)
		return
	}
	now := g.clock.Now()
	for _, e := range q.List() {
		if e.State.Final() || (e.Attempts > 0 && now.Sub(e.LastSent) < g.o.TxRepeat) {
			continue
		}
		if e.Attempts >= g.o.TxAttempts {
			g.update(e, func(e *txqueue.Entry) { e.State, e.Done = txqueue.Expired, now })
			g.log.Warn("gateway: transaction given up without an acknowledgement", "txid", e.TxID, "attempts", e.Attempts)
			continue
		}
		data, err := compress.EncodeTx(nil, e.Raw)
		if err != nil {
			g.log.Error("gateway: queued transaction does not compress", "txid", e.TxID, "err", err)
			continue
		}
		m := link.Tx{Data: data}
		if e.Via != "" {
			err = g.sched.SendTo(e.Via, m)
		} else {
			err = g.sched.Send(m)
		}
		if err != nil {
			g.warnUnsent(e, err, now)
			continue
		}
		g.forgetUnsent(e.TxID)
		g.update(e, func(e *txqueue.Entry) { e.Attempts++; e.LastSent = now })
		g.count(func(c *Counters) { c.TxsSent++ })
		g.log.Info("gateway: emergency transaction sent", "txid", e.TxID, "attempt", e.Attempts+1, "bytes", len(e.Raw), "compressed", len(data))
	}
}

// warnUnsent says that a due transaction could not be queued for the radio
// (no radio carries transactions, --via names a radio that is gone, or the
// queue is full): at most once per TxRepeat for each transaction, since the
// sender tries again at every look at its queue.
func (g *Gateway) warnUnsent(e txqueue.Entry, err error, now time.Time) {
	g.mu.Lock()
	last, ok := g.unsent[e.TxID]
	quiet := ok && now.Sub(last) < g.o.TxRepeat
	if !quiet {
		g.unsent[e.TxID] = now
	}
	g.mu.Unlock()
	if !quiet {
		g.log.Warn("gateway: transaction not queued for the radio; will retry", "txid", e.TxID, "via", e.Via, "err", err)
	}
}

// forgetUnsent drops the record of warnUnsent once a transaction goes out.
func (g *Gateway) forgetUnsent(id chainhash.Hash) {
	g.mu.Lock()
	delete(g.unsent, id)
	g.mu.Unlock()
}

func (g *Gateway) update(e txqueue.Entry, f func(*txqueue.Entry)) {
	if _, err := g.o.Queue.Update(e.TxID, f); err != nil {
		g.log.Error("gateway: transaction queue", "txid", e.TxID, "err", err)
	}
}

// onAck records a gateway's acknowledgement of one of our transactions.
func (g *Gateway) onAck(in traffic.Incoming, m link.TxAck) {
	e, ok := g.o.Queue.Find(m.ShortID[:])
	if !ok || e.State.Final() {
		return
	}
	if len(g.o.AckKey) > 0 && !m.Authentic(g.net, g.o.AckKey) {
		g.count(func(c *Counters) { c.AcksUnauthenticated++ })
		g.log.Warn("gateway: acknowledgement without a valid tag ignored (forged, or a gateway with another ack key)",
			"txid", e.TxID, "status", m.Status.String(), "tagged", m.Tagged, "driver", in.Frame.Driver)
		return
	}
	now := g.clock.Now()
	state := txqueue.Accepted
	switch m.Status {
	case link.AckAlreadyKnown:
		state = txqueue.Known
	case link.AckRejected:
		state = txqueue.Rejected
	}
	g.update(e, func(e *txqueue.Entry) {
		e.State, e.Done, e.Code = state, now, m.Reason
		if state == txqueue.Rejected {
			e.Reason = rejectReason(m.Reason)
		}
	})
	g.count(func(c *Counters) { c.AcksHeard++ })
	g.log.Info("gateway: transaction acknowledged", "txid", e.TxID, "status", m.Status.String(), "code", m.Reason, "driver", in.Frame.Driver)
}

// rejectReason names a BIP 61 reject code.
func rejectReason(code uint8) string {
	switch code {
	case 0x01:
		return "malformed"
	case 0x10:
		return "invalid"
	case 0x11:
		return "obsolete"
	case 0x12:
		return "duplicate (conflicts with another transaction)"
	case 0x40:
		return "nonstandard"
	case 0x41:
		return "dust"
	case 0x42:
		return "insufficient fee"
	case 0x43:
		return "checkpoint"
	}
	return "rejected"
}
