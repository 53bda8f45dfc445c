package gateway

import (
	"context"
	"time"

	"github.com/altnet/altnet/compress"
	"github.com/altnet/altnet/headers"
	"github.com/altnet/altnet/p2p"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/traffic"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// runStart returns the height of the first header of the carousel run that
// holds height h: runs are aligned to HeadersPerRun above the checkpoint,
// so that every gateway cuts the chain the same way and a receiver hears
// the same runs again (and drops them as duplicates) on every pass.
func (g *Gateway) runStart(h int32) int32 {
	n := int32(g.o.HeadersPerRun)
	return g.base + 1 + (h-g.base-1)/n*n
}

// encodeRun compresses the best chain's headers from..to into a header-run
// message, against as much history as the checkpoint allows.
func (g *Gateway) encodeRun(from, to int32) (link.HeaderRun, error) {
	hs, err := g.chain.Headers(from, to)
	if err != nil {
		return link.HeaderRun{}, err
	}
	history := int(min(from-g.base, maxHistory))
	info := compress.RunInfo{Start: from, Count: len(hs), History: history}
	data, err := compress.EncodeRunBody(nil, g.chain.CodecView(), info, hs)
	if err != nil {
		return link.HeaderRun{}, err
	}
	last := hs[len(hs)-1].BlockHash()
	run := link.HeaderRun{Height: uint32(from), Count: uint16(len(hs)), History: uint16(history), Data: data}
	copy(run.Check[:], last[:link.CheckSize])
	return run, nil
}

// runs encodes the best chain from..tip as aligned header runs.
func (g *Gateway) runs(from, tip int32) []link.HeaderRun {
	var out []link.HeaderRun
	for start := g.runStart(max(from, g.base+1)); start <= tip; start += int32(g.o.HeadersPerRun) {
		end := min(start+int32(g.o.HeadersPerRun)-1, tip)
		run, err := g.encodeRun(start, end)
		if err != nil {
			g.log.Warn("gateway: cannot encode header run", "from", start, "to", end, "err", err)
			return out
		}
		out = append(out, run)
	}
	return out
}

// fillCarousel loads the carousel with the most recent CarouselDepth
// headers at start.
func (g *Gateway) fillCarousel() { g.refreshCarousel(0) }

// refreshCarousel re-encodes the carousel from height from (a new tip, or
// the fork point of a reorg) to the tip; headers older than the carousel's
// depth are left out (a sync that adds thousands of headers at once
// encodes only the ones the carousel keeps).
func (g *Gateway) refreshCarousel(from int32) {
	tip := g.chain.Tip().Height
	from = max(from, tip-int32(g.o.CarouselDepth)+1)
	for _, run := range g.runs(from, tip) {
		if err := g.sched.AddToCarousel(run); err != nil {
			g.log.Warn("gateway: carousel", "err", err)
			return
		}
		g.count(func(c *Counters) { c.RunsSent++ })
	}
}

// sendTip announces the best header to every driver assigned tips.
func (g *Gateway) sendTip(t headers.Tip) {
	hdr, err := compress.EncodeStandalone(nil, &t.Header)
	if err != nil {
		g.log.Warn("gateway: cannot encode tip", "err", err)
		return
	}
	if err := g.sched.Send(link.Tip{Height: uint32(t.Height), Work: t.Work, Header: hdr}); err != nil {
		g.log.Warn("gateway: tip announcement not queued", "height", t.Height, "err", err)
		return
	}
	g.count(func(c *Counters) { c.TipsSent++ })
}

// onHeaderRequest answers a receiver's header request with the headers
// after the highest locator entry on the best chain, on the driver it came
// in on.
func (g *Gateway) onHeaderRequest(in traffic.Incoming, m link.HeaderRequest) {
	// Answers outrank the carousel: one answer per radio per
	// answerInterval, of at most maxAnswer headers, so that requests
	// (which anyone can send) cannot keep the carousel off the air.
	now := g.clock.Now()
	g.mu.Lock()
	last, ok := g.answered[in.Frame.Driver]
	if ok && now.Sub(last) < answerInterval {
		g.mu.Unlock()
		return
	}
	g.answered[in.Frame.Driver] = now
	g.mu.Unlock()
	fork := g.base
	for _, e := range m.Locator {
		h := int32(e.Height)
		if h < g.base {
			break
		}
		hash, err := g.chain.Hash(h)
		if err == nil && [link.ShortIDSize]byte(hash[:link.ShortIDSize]) == e.Hash {
			fork = h
			break
		}
	}
	tip := g.chain.Tip().Height
	end := min(tip, fork+int32(min(int(m.Max), maxAnswer)))
	if end <= fork {
		return
	}
	n := 0
	for start := fork + 1; start <= end; start += int32(g.o.HeadersPerRun) {
		run, err := g.encodeRun(start, min(start+int32(g.o.HeadersPerRun)-1, end))
		if err == nil {
			err = g.sched.Answer(in.Frame.Driver, run)
		}
		if err != nil {
			g.log.Warn("gateway: header request answer cut short", "driver", in.Frame.Driver, "from", start, "err", err)
			break
		}
		n++
	}
	g.log.Info("gateway: answered a header request", "driver", in.Frame.Driver, "from", fork+1, "to", end, "runs", n)
	g.count(func(c *Counters) { c.RequestsAnswered++; c.RunsSent += n })
}

// onTx pushes a transaction heard over radio into the node, after a random
// delay, and acknowledges it. A transaction heard again (its sender missed
// the acknowledgement) is acknowledged again from memory. ctx is Run's: the
// push ends with it.
//
// The memory is keyed by wtxid: anyone can transmit, and a copy of a
// sender's segwit transaction with a broken signature has the same txid;
// pushed first and rejected, it must not stand for the genuine one.
func (g *Gateway) onTx(ctx context.Context, in traffic.Incoming, m link.Tx) {
	tx, err := compress.DecodeMsgTx(m.Data)
	if err != nil {
		g.log.Warn("gateway: radio transaction does not decode", "driver", in.Frame.Driver, "err", err)
		return
	}
	id, wid := tx.TxHash(), tx.WitnessHash()
	g.count(func(c *Counters) { c.TxsHeard++ })
	now := g.clock.Now()
	g.mu.Lock()
	rec, seen := g.pushed[wid]
	switch {
	case seen && rec.busy:
		g.mu.Unlock()
		return
	case seen && rec.res.Status != p2p.TxUnknown && now.Sub(rec.at) < pushMemory:
		g.mu.Unlock()
		g.ack(rec.res, wid)
		return
	case g.pending >= maxPending:
		g.mu.Unlock()
		g.log.Warn("gateway: radio transaction dropped: too many waiting to be pushed", "txid", id, "waiting", maxPending)
		return
	}
	g.forgetOldPushes(now)
	g.pushed[wid] = pushRecord{busy: true, at: now}
	g.pending++
	delay := time.Duration(0)
	if g.o.MaxDelay > 0 {
		delay = time.Duration(g.rng.Int64N(int64(g.o.MaxDelay)))
	}
	g.mu.Unlock()
	g.log.Info("gateway: radio transaction heard", "txid", id, "push_in", delay)
	g.pushes.Go(func() { g.push(ctx, tx, delay) })
}

// forgetOldPushes bounds the push memory. Called with g.mu held.
func (g *Gateway) forgetOldPushes(now time.Time) {
	for id, r := range g.pushed {
		if !r.busy && (now.Sub(r.at) > pushMemory || len(g.pushed) >= maxPushRecords) {
			delete(g.pushed, id)
		}
	}
}

// push waits delay, pushes tx into the node and acknowledges the outcome.
// It gives up when ctx ends; the outcome is then unknown, and a repeat of
// the transaction is pushed again.
func (g *Gateway) push(ctx context.Context, tx *wire.MsgTx, delay time.Duration) {
	id := tx.TxHash()
	res := p2p.TxResult{TxID: id, Status: p2p.TxUnknown}
	defer func() {
		g.mu.Lock()
		g.pushed[tx.WitnessHash()] = pushRecord{res: res, at: g.clock.Now()}
		g.pending--
		g.mu.Unlock()
	}()
	if g.o.Node == nil {
		g.log.Warn("gateway: no node to push a radio transaction into", "txid", id)
		return
	}
	if !g.wait(ctx, delay) {
		return
	}
	select {
	case g.pushSema <- struct{}{}:
		defer func() { <-g.pushSema }()
	case <-ctx.Done():
		return
	}
	pctx, cancel := context.WithTimeout(ctx, pushTimeout)
	defer cancel()
	r, err := g.o.Node.SendTx(pctx, tx)
	if err != nil {
		if ctx.Err() == nil {
			g.log.Warn("gateway: push failed", "txid", id, "err", err)
		}
		return
	}
	res = r
	g.count(func(c *Counters) { c.TxsPushed++ })
	g.log.Info("gateway: radio transaction pushed", "txid", id, "outcome", res.String())
	g.ack(res, tx.WitnessHash())
}

// wait waits d on the gateway's clock; false when ctx ends first.
func (g *Gateway) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := g.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.Chan():
		return true
	case <-ctx.Done():
		return false
	}
}

// ack sends the acknowledgement of a push outcome on the two-way radios
// assigned acknowledgements (a one-way radio's listeners cannot have sent
// the transaction); an unknown outcome gets none (the sender will repeat
// and the gateway push again). The acknowledgement names the transaction
// by its wtxid, so that the outcome of a copy with a broken signature
// (same txid) is not taken for the genuine transaction's.
func (g *Gateway) ack(res p2p.TxResult, wtxid chainhash.Hash) {
	a := link.TxAck{ShortID: shortID(wtxid)}
	switch res.Status {
	case p2p.TxAccepted:
		a.Status = link.AckAccepted
	case p2p.TxAlreadyKnown:
		a.Status = link.AckAlreadyKnown
	case p2p.TxRejected:
		a.Status, a.Reason = link.AckRejected, uint8(res.Code)
		if a.Reason == 0 {
			a.Reason = uint8(wire.RejectInvalid)
		}
	default:
		return
	}
	if len(g.ackTo) == 0 {
		g.log.Info("gateway: no two-way radio carries acknowledgements; the sender will repeat", "txid", res.TxID)
		return
	}
	if len(g.o.AckKey) > 0 {
		a = a.Sign(g.net, g.o.AckKey)
	}
	queued := false
	for _, d := range g.ackTo {
		if err := g.sched.SendTo(d, a); err != nil {
			g.log.Warn("gateway: acknowledgement not queued", "txid", res.TxID, "driver", d, "err", err)
			continue
		}
		queued = true
	}
	if queued {
		g.count(func(c *Counters) { c.AcksSent++ })
	}
}

// shortID returns the first bytes of a hash as a link short id.
func shortID(h chainhash.Hash) [link.ShortIDSize]byte {
	return [link.ShortIDSize]byte(h[:link.ShortIDSize])
}
