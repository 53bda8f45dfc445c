package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/altnet/altnet/compress"
	"github.com/altnet/altnet/headers"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/traffic"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// errCheck reports a header run that decoded to headers whose last hash
// does not match the run's check: this chain differs from the sender's in
// the run's history window.
var errCheck = errors.New("gateway: header run fails its check (the sender's chain differs from ours before the run)")

// onHeaderRun decodes a run against this chain and adds its headers.
func (g *Gateway) onHeaderRun(in traffic.Incoming, m link.HeaderRun) {
	g.count(func(c *Counters) { c.RunsReceived++ })
	hs, err := g.decodeRun(m)
	if err != nil {
		g.count(func(c *Counters) { c.RunsUndecodable++ })
		g.log.Debug("gateway: header run not decodable here", "driver", in.Frame.Driver, "height", m.Height, "count", m.Count, "err", err)
		return
	}
	g.addFromRadio(in, hs)
}

// decodeRun decodes a header run against this chain's best chain, or, when
// the run does not fit it, against the branch that ends at the best header
// heard by radio (the uplink's chain, as far as heard).
func (g *Gateway) decodeRun(m link.HeaderRun) ([]wire.BlockHeader, error) {
	hs, err := g.decodeRunOn(g.chain.CodecView(), g.chain.Tip().Height, m)
	if err == nil {
		return hs, nil
	}
	for _, tip := range g.branchTips() {
		if v, ok := newBranchView(g.chain, tip); ok {
			if hs, berr := g.decodeRunOn(v, v.tip, m); berr == nil {
				return hs, nil
			}
		}
	}
	return nil, err
}

// branchTips returns the tips of the branches a run may continue: the
// best header heard by radio, then the side-branch headers heard by radio,
// newest first. The second kind matter to a one-way receiver in a
// reorganisation that crosses a run boundary: the first run of the new
// branch has less work than the old branch, so it stays on a side branch
// (and is not the best header heard), and the next run refers to it.
func (g *Gateway) branchTips() []chainhash.Hash {
	g.mu.Lock()
	defer g.mu.Unlock()
	var tips []chainhash.Hash
	if g.radioTip.Work != "" {
		tips = append(tips, g.radioTip.Hash)
	}
	for i := len(g.sideTips) - 1; i >= 0; i-- {
		if g.sideTips[i] != g.radioTip.Hash {
			tips = append(tips, g.sideTips[i])
		}
	}
	return tips
}

// noteSideTip remembers the newest headers heard by radio that went to a
// side branch (at most maxSideTips).
func (g *Gateway) noteSideTip(hash chainhash.Hash) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sideTips = append(g.sideTips, hash)
	if len(g.sideTips) > maxSideTips {
		g.sideTips = g.sideTips[1:]
	}
}

// decodeRunOn decodes a header run against the chain view c, whose tip is
// at height tip, and checks it.
func (g *Gateway) decodeRunOn(c compress.Chain, tip int32, m link.HeaderRun) ([]wire.BlockHeader, error) {
	start := int32(m.Height)
	if start-1 > tip {
		return nil, fmt.Errorf("gateway: run starts at %d, past the tip %d", start, tip)
	}
	if start-int32(m.History) < g.base {
		return nil, fmt.Errorf("gateway: run's history reaches %d, below the checkpoint %d", start-int32(m.History), g.base)
	}
	info := compress.RunInfo{Start: start, Count: int(m.Count), History: int(m.History)}
	hs, err := compress.DecodeRunBody(c, info, m.Data)
	if err != nil {
		return nil, err
	}
	if last := hs[len(hs)-1].BlockHash(); [link.CheckSize]byte(last[:link.CheckSize]) != m.Check {
		return nil, errCheck
	}
	return hs, nil
}

// addFromRadio adds headers heard on a radio to the chain.
func (g *Gateway) addFromRadio(in traffic.Incoming, hs []wire.BlockHeader) {
	res, err := g.chain.Add(hs)
	g.count(func(c *Counters) { c.HeadersAdded += res.Added })
	if res.Added > 0 {
		last := hs[res.Known+res.Added-1].BlockHash()
		if info, lerr := g.chain.Lookup(last); lerr == nil {
			g.noteRadioHeader(info, last)
			if !info.InBest {
				g.noteSideTip(last)
			}
		}
	}
	if err != nil {
		var re *headers.RuleError
		if errors.As(err, &re) {
			g.count(func(c *Counters) { c.HeadersRejected++ })
			g.log.Warn("gateway: radio header breaks a consensus rule", "driver", in.Frame.Driver,
				"height", re.Height, "hash", re.Hash, "rule", re.Code.String(), "detail", re.Detail)
			return
		}
		g.log.Warn("gateway: radio headers not stored", "driver", in.Frame.Driver, "err", err)
	}
}

// onTip handles a tip announcement: a header whose parent is known is
// added at once; otherwise the receiver asks for the headers it lacks on
// a two-way link, or waits for the carousel on a one-way one.
func (g *Gateway) onTip(in traffic.Incoming, m link.Tip) {
	g.count(func(c *Counters) { c.TipsReceived++ })
	g.mu.Lock()
	g.announced = max(g.announced, int32(min(m.Height, 1<<31-1)))
	g.mu.Unlock()
	h, err := compress.DecodeStandalone(m.Header)
	if err != nil {
		g.log.Warn("gateway: tip announcement does not decode", "driver", in.Frame.Driver, "err", err)
		return
	}
	hash := h.BlockHash()
	if _, err := g.chain.Lookup(hash); err == nil {
		return // known
	}
	if _, err := g.chain.Lookup(h.PrevBlock); err == nil {
		g.addFromRadio(in, []wire.BlockHeader{h})
		return
	}
	g.log.Info("gateway: radio announces a tip this chain cannot connect yet", "driver", in.Frame.Driver,
		"height", m.Height, "hash", hash, "our_height", g.chain.Tip().Height)
	g.requestHeaders(in.Frame.Driver)
}

// requestHeaders asks for the headers after this chain's locator on a
// driver that can send and is assigned requests, at most once per
// RequestInterval.
func (g *Gateway) requestHeaders(driver string) {
	d, ok := g.drivers[driver]
	if !ok || !d.Capabilities().Direction.CanSend() || !carries(g.o.Assignment, driver, link.TypeHeaderRequest) {
		return
	}
	now := g.clock.Now()
	g.mu.Lock()
	if last, ok := g.requested[driver]; ok && now.Sub(last) < g.o.RequestInterval {
		g.mu.Unlock()
		return
	}
	g.requested[driver] = now
	g.requestedAt = g.chain.Tip().Height
	g.mu.Unlock()
	req := link.HeaderRequest{Max: maxRequest}
	for _, hash := range g.chain.Locator() {
		height, ok := g.chain.Height(hash)
		if !ok {
			continue
		}
		req.Locator = append(req.Locator, link.LocatorEntry{Height: uint32(height), Hash: shortID(hash)})
		if len(req.Locator) == link.MaxLocator {
			break
		}
	}
	if err := g.sched.SendTo(driver, req); err != nil {
		g.log.Warn("gateway: header request not queued", "driver", driver, "err", err)
		return
	}
	g.count(func(c *Counters) { c.RequestsSent++ })
}

// followUpRequests asks again, every RequestInterval, on the two-way radios
// that carry requests, while the best chain is below the highest tip heard
// announced: an answer holds at most maxAnswer headers, and a request or
// an answer can be lost. A request round that brought nothing new ends the
// asking until the next tip announcement (the announced height is only a
// claim; a false one must not make the receiver ask forever).
func (g *Gateway) followUpRequests(ctx context.Context) {
	t := g.clock.NewTicker(g.o.RequestInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
		tip := g.chain.Tip().Height
		g.mu.Lock()
		behind := g.announced > tip
		if behind && len(g.requested) > 0 && tip <= g.requestedAt {
			g.announced, behind = tip, false // no progress: stop asking
		}
		g.mu.Unlock()
		if !behind {
			continue
		}
		for _, d := range g.o.Drivers {
			g.requestHeaders(d.Name())
		}
	}
}
