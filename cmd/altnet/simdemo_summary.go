package main

import (
	"fmt"
	"io"
	"time"

	"github.com/altnet/altnet/sim/demo"
)

// printDemoSummary prints the outcome of a demo run.
func printDemoSummary(w io.Writer, rep *demo.Report, cfg demo.Config, wall time.Duration) {
	snap := rep.Final
	fmt.Fprintf(w, "\nSummary: %s simulated in %.1f s of wall time (x%.0f), seed %d\n",
		clockTime(snap.Elapsed), wall.Seconds(), snap.Elapsed.Seconds()/max(wall.Seconds(), 1e-9), cfg.Seed)
	fmt.Fprintf(w, "  %-13s tip %d %s (%s)\n", "node", snap.Tip.Height, shortHash(snap.Tip.Hash.String()), snap.Source)
	for _, rr := range rep.Receivers {
		printReceiverSummary(w, rr, stationView(snap, rr.Name))
	}
	printAirtimeSummary(w, snap)
	printTxSummary(w, snap)
	if rep.OK() {
		fmt.Fprintln(w, "result: OK: both receivers are on the node's tip and every transaction was acknowledged as expected")
		return
	}
	fmt.Fprintln(w, "result: FAILED")
	for _, f := range rep.Failures {
		fmt.Fprintf(w, "  - %s\n", f)
	}
}

// printAirtimeSummary prints each transmitting radio's airtime against its
// budget and against the time simulated.
func printAirtimeSummary(w io.Writer, snap demo.Snapshot) {
	label := "airtime"
	for _, st := range snap.Stations {
		for _, r := range st.Radios {
			if !r.Budget.Limited {
				continue
			}
			fmt.Fprintf(w, "  %-13s %-12s %5.1f s used in the last hour of %.0f s allowed (%.0f %%); %.1f s in all, %.1f %% of the time%s\n",
				label, r.Name, r.Budget.Used.Seconds(), r.Budget.Allowed.Seconds(), 100*r.Budget.Used.Seconds()/r.Budget.Allowed.Seconds(),
				r.Traffic.Airtime.Seconds(), 100*r.Traffic.Airtime.Seconds()/snap.Elapsed.Seconds(), lateTx(r))
			label = ""
		}
	}
}

// printTxSummary prints what became of the sender's transactions.
func printTxSummary(w io.Writer, snap demo.Snapshot) {
	for i, t := range snap.Txs {
		label := ""
		if i == 0 {
			label = "transactions"
		}
		fmt.Fprintf(w, "  %-13s %s %s: %s\n", label, t.Label, shortHash(t.Entry.TxID.String()), txState(t.Entry, true))
	}
	if len(snap.Txs) == 0 {
		fmt.Fprintf(w, "  %-13s none (give one with --tx when following a real node)\n", "transactions")
	}
}

// printReceiverSummary prints how one receiver followed the chain and
// what its link did.
func printReceiverSummary(w io.Writer, rr demo.ReceiverReport, st demo.StationView) {
	state := "did not converge"
	if rr.Synced {
		state = "converged"
	}
	follow := "never reached the node's tip"
	if rr.FirstSync >= 0 {
		follow = fmt.Sprintf("first reached the node's tip at %s", clockTime(rr.FirstSync))
		if len(rr.Lags) > 1 {
			follow += fmt.Sprintf(", then each new tip within %v (%d times)", rr.MaxLag().Round(time.Second), len(rr.Lags)-1)
		}
	}
	fmt.Fprintf(w, "  %-13s tip %d, %s: %s; %s\n", rr.Name, rr.Height, state, follow, plural(rr.Reorgs, "reorganisation"))
	for _, r := range st.Radios {
		heard, lost := r.Air.Received, lostFrames(r)
		rate := 0.0
		if heard+lost > 0 {
			rate = 100 * float64(lost) / float64(heard+lost)
		}
		fmt.Fprintf(w, "  %-13s %s: %d frames heard, %d lost (%.1f %%); %d messages rebuilt, %d duplicate frames dropped\n",
			"", st.Role, heard, lost, rate, st.Status.Link.Delivered, st.Status.Link.Duplicates)
	}
}

// stationView returns the named station of a snapshot.
func stationView(snap demo.Snapshot, name string) demo.StationView {
	for _, st := range snap.Stations {
		if st.Name == name {
			return st
		}
	}
	return demo.StationView{Name: name}
}

// lateTx notes the LoRa transmissions whose TxDone came late or never:
// on a scaled clock, the host's timers falling behind (--speed too high
// for the machine).
func lateTx(r demo.RadioView) string {
	switch {
	case r.TxTimeouts > 0:
		return fmt.Sprintf("; TxDone late %d times, never %d times (lower --speed)", r.LateTxDone, r.TxTimeouts)
	case r.LateTxDone > 0:
		return fmt.Sprintf("; TxDone late %d times", r.LateTxDone)
	}
	return ""
}

// plural returns "1 thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
