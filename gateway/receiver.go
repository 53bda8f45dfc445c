package gateway

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

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

// errAhead reports a header run that starts past the tip of every chain
// it was tried on: the receiver lacks its predecessor (yet).
var errAhead = errors.New("gateway: header run starts past the tip")

// onHeaderRun decodes a run against this chain and adds its headers. A run
// that starts past the tip is held (see heldRuns) and decoded once the runs
// before it have arrived.
func (g *Gateway) onHeaderRun(in traffic.Incoming, m link.HeaderRun) {
	g.count(func(c *Counters) { c.RunsReceived++ })
	hs, err := g.decodeRun(m)
	if err != nil {
		if errors.Is(err, errAhead) && g.held.add(in.Frame.Driver, m) {
			g.count(func(c *Counters) { c.RunsHeld++ })
			g.log.Debug("gateway: header run ahead of the chain held for later", "driver", in.Frame.Driver, "height", m.Height, "count", m.Count)
			g.held.kick() // its predecessor may have arrived meanwhile
			return
		}
		g.count(func(c *Counters) { c.RunsUndecodable++ })
		g.log.Debug("gateway: header run not decodable here", "driver", in.Frame.Driver, "height", m.Height, "count", m.Count, "err", err)
		return
	}
	if g.addFromRadio(in.Frame.Driver, hs) {
		g.held.kick()
	}
}

// heldRuns are header runs heard ahead of the chain, kept until the runs
// before them arrive. On a one-way link a receiver cannot ask for a run it
// missed; without them, every run heard after a lost one would be dropped,
// and each loss would cost a whole carousel pass (with a deep carousel,
// days). The bound is in bytes and runs; past it, the runs furthest ahead
// go first, so a flood of made-up runs (anyone can transmit) at most
// pushes genuine ones out, as if they had been lost. The listeners hold
// runs; one goroutine (decodeHeld) decodes them, so that a long catch-up
// (a store write per run) does not hold up reception.
type heldRuns struct {
	wake     chan struct{} // buffered, 1: the chain grew or a run was held
	maxBytes int           // Options.HeldRunBytes; 0: hold nothing

	mu    sync.Mutex
	runs  []heldRun // by height
	bytes int
}

type heldRun struct {
	driver string
	run    link.HeaderRun
}

// maxHeldRuns bounds the number of held runs (their bytes are bounded by
// Options.HeldRunBytes): 4,096 runs of 16 headers reach 65,536 headers.
const maxHeldRuns = 4096

// same reports whether r holds m. The data counts: a forged run with a
// genuine run's height, count and check must not keep the genuine one out.
func (r heldRun) same(m link.HeaderRun) bool {
	return r.run.Height == m.Height && r.run.Count == m.Count && r.run.Check == m.Check && bytes.Equal(r.run.Data, m.Data)
}

// add keeps m for later; false when it does not fit.
func (h *heldRuns) add(driver string, m link.HeaderRun) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	i, _ := slices.BinarySearchFunc(h.runs, m.Height, func(r heldRun, height uint32) int { return cmp.Compare(r.run.Height, height) })
	for j := i; j < len(h.runs) && h.runs[j].run.Height == m.Height; j++ {
		if h.runs[j].same(m) {
			return true // held already (another radio, or a later pass)
		}
	}
	size := len(m.Data)
	if h.maxBytes <= 0 || size > h.maxBytes {
		return false
	}
	for h.bytes+size > h.maxBytes || len(h.runs) >= maxHeldRuns {
		last := len(h.runs) - 1
		if last < 0 || h.runs[last].run.Height <= m.Height {
			return false // m is the furthest ahead: it goes
		}
		h.bytes -= len(h.runs[last].run.Data)
		h.runs = h.runs[:last]
		i = min(i, len(h.runs))
	}
	m.Data = slices.Clone(m.Data) // not the frame's buffer
	h.runs = slices.Insert(h.runs, i, heldRun{driver: driver, run: m})
	h.bytes += size
	return true
}

// upTo returns the held runs that start at or below reach + 1, lowest
// first.
func (h *heldRuns) upTo(reach int32) []heldRun {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for n < len(h.runs) && int64(h.runs[n].run.Height)-1 <= int64(reach) {
		n++
	}
	return slices.Clone(h.runs[:n])
}

// remove drops a held run.
func (h *heldRuns) remove(r heldRun) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range h.runs {
		if h.runs[i].same(r.run) {
			h.bytes -= len(h.runs[i].run.Data)
			h.runs = slices.Delete(h.runs, i, i+1)
			return
		}
	}
}

// kick wakes decodeHeld.
func (h *heldRuns) kick() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// status returns how many runs and bytes are held.
func (h *heldRuns) status() (runs, bytes int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.runs), h.bytes
}

// decodeHeld decodes the held runs the chain reaches whenever it is
// kicked, until ctx ends.
func (g *Gateway) decodeHeld(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.held.wake:
		}
		for g.decodeHeldOnce() && ctx.Err() == nil {
		}
	}
}

// decodeHeldOnce decodes, in height order, the held runs that start at or
// below the reach (the best chain's tip or the best header heard by radio)
// plus one. A run that decodes is added; one that no longer fits (its check
// fails, or it is junk) is dropped and counted undecodable; one still ahead
// (it continues another branch) stays. It reports whether the chain grew.
func (g *Gateway) decodeHeldOnce() bool {
	grew := false
	for _, r := range g.held.upTo(g.reach()) {
		hs, err := g.decodeRun(r.run)
		if errors.Is(err, errAhead) {
			continue
		}
		g.held.remove(r)
		if err != nil {
			g.count(func(c *Counters) { c.RunsUndecodable++ })
			g.log.Debug("gateway: held header run not decodable", "driver", r.driver, "height", r.run.Height, "err", err)
			continue
		}
		grew = g.addFromRadio(r.driver, hs) || grew
	}
	return grew
}

// reach is the highest tip a run may continue: the best chain's or the
// best header heard by radio.
func (g *Gateway) reach() int32 {
	tip := g.chain.Tip().Height
	g.mu.Lock()
	defer g.mu.Unlock()
	return max(tip, g.radioTip.Height)
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
	start := int64(m.Height)
	if start-1 > int64(tip) {
		return nil, fmt.Errorf("%w: run at %d, tip %d", errAhead, start, tip)
	}
	if start-int64(m.History) < int64(g.base) {
		return nil, fmt.Errorf("gateway: run's history reaches %d, below the checkpoint %d", start-int64(m.History), g.base)
	}
	info := compress.RunInfo{Start: int32(start), Count: int(m.Count), History: int(m.History)}
	hs, err := compress.DecodeRunBody(c, info, m.Data)
	if err != nil {
		return nil, err
	}
	if last := hs[len(hs)-1].BlockHash(); [link.CheckSize]byte(last[:link.CheckSize]) != m.Check {
		return nil, errCheck
	}
	return hs, nil
}

// addFromRadio adds headers heard on a radio to the chain; true when it
// took any.
func (g *Gateway) addFromRadio(driver string, hs []wire.BlockHeader) bool {
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
			g.log.Warn("gateway: radio header breaks a consensus rule", "driver", driver,
				"height", re.Height, "hash", re.Hash, "rule", re.Code.String(), "detail", re.Detail)
			return res.Added > 0
		}
		g.log.Warn("gateway: radio headers not stored", "driver", driver, "err", err)
	}
	return res.Added > 0
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
		if g.addFromRadio(in.Frame.Driver, []wire.BlockHeader{h}) {
			g.held.kick()
		}
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
