package demo

import (
	"fmt"
	"slices"
	"time"

	"github.com/altnet/altnet/txqueue"
)

// Report is the outcome of a run.
type Report struct {
	// Final is the state at the end.
	Final Snapshot
	// Receivers say how each off-grid receiver followed the chain.
	Receivers []ReceiverReport
	// Violations are the datasheet rules the LoRa driver broke on the chip
	// models (there should be none).
	Violations []string
	// Failures say why the run failed; empty when the receivers converged
	// and every transaction was acknowledged as expected.
	Failures []string
}

// ReceiverReport is one receiver's convergence.
type ReceiverReport struct {
	Name string
	// Height is the receiver's tip at the end; Synced is true when it is
	// the node's tip.
	Height int32
	Synced bool
	// FirstSync is when it first reached the node's tip (negative: never),
	// and Lags how long it took after each change of the node's tip that
	// it caught up with (the first is FirstSync).
	FirstSync time.Duration
	Lags      []time.Duration
	// Reorgs counts the reorganisations its chain went through.
	Reorgs int
}

// MaxLag returns the longest catch-up after the first sync (zero when the
// node's tip never changed after it).
func (r ReceiverReport) MaxLag() time.Duration {
	if len(r.Lags) < 2 {
		return 0
	}
	return slices.Max(r.Lags[1:])
}

// OK reports whether the run succeeded.
func (r *Report) OK() bool { return len(r.Failures) == 0 }

// report builds the report at the end of the run.
func (r *run) report() *Report {
	rep := &Report{Final: r.mon.snapshot(), Violations: r.world.Violations()}
	m := r.mon
	m.mu.Lock()
	for _, s := range r.receivers {
		c := m.receivers[s.name]
		rr := ReceiverReport{Name: s.name, Height: s.chain.Tip().Height, Synced: s.chain.Tip().Hash == m.tip.Hash,
			FirstSync: c.first, Lags: slices.Clone(c.lags), Reorgs: c.reorgs}
		rep.Receivers = append(rep.Receivers, rr)
	}
	m.mu.Unlock()
	rep.Failures = r.failures(rep)
	return rep
}

// failures lists what went wrong.
func (r *run) failures(rep *Report) []string {
	var out []string
	tip := rep.Final.Tip
	for _, rr := range rep.Receivers {
		if !rr.Synced {
			out = append(out, fmt.Sprintf("%s did not converge: its tip is %d, the node's %d (%s)", rr.Name, rr.Height, tip.Height, short(tip.Hash.String())))
		}
	}
	for _, t := range rep.Final.Txs {
		if f := txFailure(t); f != "" {
			out = append(out, f)
		}
	}
	for _, v := range rep.Violations {
		out = append(out, "datasheet violation: "+v)
	}
	return out
}

// txFailure says what is wrong with a transaction's outcome, if anything.
func txFailure(t TxView) string {
	e, id := t.Entry, short(t.Entry.TxID.String())
	switch {
	case !e.State.Final():
		return fmt.Sprintf("the %s transaction %s was not acknowledged (%s after %d attempts)", t.Label, id, e.State, e.Attempts)
	case t.Accept && e.State != txqueue.Accepted && e.State != txqueue.Known:
		return fmt.Sprintf("the %s transaction %s was not accepted: %s", t.Label, id, describeTx(e))
	case !t.Accept && e.State != txqueue.Rejected:
		return fmt.Sprintf("the %s transaction %s was not rejected: %s", t.Label, id, describeTx(e))
	}
	return ""
}
