package demo

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/altnet/altnet/txqueue"
)

// action is one step of the script at a moment of the run.
type action struct {
	at time.Duration // since the start
	do func() error
}

// ReorgDepth and ReorgLength are the simulated node's reorganisation: the
// last ReorgDepth blocks are replaced by ReorgLength new ones.
const (
	ReorgDepth  = 2
	ReorgLength = 3
)

// script performs the timeline until the end of the run: the sender's
// transactions, the simulated node's blocks and its reorganisation.
func (r *run) script(ctx context.Context, errs <-chan error) error {
	acts, err := r.timeline()
	if err != nil {
		return err
	}
	acts = append(acts, action{at: r.cfg.Duration})
	for _, a := range acts {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-errs:
			return err
		case <-r.clk.After(r.start.Add(a.at).Sub(r.clk.Now())):
		}
		if a.do != nil {
			if err := a.do(); err != nil {
				return err
			}
		}
	}
	r.mon.check()
	return nil
}

// timeline lists the actions in time order.
func (r *run) timeline() ([]action, error) {
	planned, err := r.src.transactions(r.cfg)
	if err != nil {
		return nil, err
	}
	acts := []action{{at: r.cfg.TxAt, do: func() error { return r.queueTxs(planned) }}}
	if n, ok := r.src.(*nodeSource); ok {
		acts = append(acts, r.blocks(n)...)
	}
	slices.SortStableFunc(acts, func(a, b action) int { return cmp.Compare(a.at, b.at) })
	return acts, nil
}

// blocks plans the simulated node's blocks, each interval drawn between
// half and one and a half times BlockInterval, none in the final Settle,
// and the reorganisation at 60 % of the run (if the quiet time allows).
func (r *run) blocks(n *nodeSource) []action {
	rng := rand.New(rand.NewPCG(r.cfg.Seed, 0x626c6f636b73)) // "blocks"
	quiet := r.cfg.Duration - r.cfg.Settle
	var acts []action
	for at := r.interval(rng); at < quiet; at += r.interval(rng) {
		acts = append(acts, action{at: at, do: func() error {
			hs := n.node.Mine(1)
			_, height := n.node.Tip()
			r.mon.event("node: block %d mined (%s)", height, short(hs[0].BlockHash().String()))
			return nil
		}})
	}
	if at := r.cfg.Duration * 6 / 10; !r.cfg.NoReorg && at < quiet {
		acts = append(acts, action{at: at, do: func() error { return r.reorg(n) }})
	}
	return acts
}

func (r *run) interval(rng *rand.Rand) time.Duration {
	i := r.cfg.BlockInterval
	return i/2 + time.Duration(rng.Int64N(int64(i)))
}

// reorg makes the simulated node replace its last blocks with a longer
// branch.
func (r *run) reorg(n *nodeSource) error {
	_, old := n.node.Tip()
	if _, err := n.node.Reorg(ReorgDepth, ReorgLength); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	h, height := n.node.Tip()
	r.mon.event("node: blocks %d-%d replaced by %d new (reorg), tip %d (%s)",
		old-ReorgDepth+1, old, ReorgLength, height, short(h.BlockHash().String()))
	return nil
}

// queueTxs hands the planned transactions to the sender, as `altnet tx
// send` would.
func (r *run) queueTxs(planned []plannedTx) error {
	q := r.snd.queue
	for _, p := range planned {
		e, err := q.Add(p.raw, "", r.clk.Now())
		if err != nil {
			return fmt.Errorf("demo: queue the %s transaction: %w", p.label, err)
		}
		r.mon.addTx(p, e)
		r.mon.event("sender: %s tx %s queued (%d bytes)", p.label, short(e.TxID.String()), len(p.raw))
	}
	return nil
}

// short abbreviates a hash for the screen.
func short(h string) string {
	if len(h) <= 12 {
		return h
	}
	return h[:6] + "…" + h[len(h)-4:]
}

// txRecord is a transaction the sender was given, and what became of it.
type txRecord struct {
	plannedTx
	entry txqueue.Entry
}
