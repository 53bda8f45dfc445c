package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/control"
	"github.com/altnet/altnet/gateway"
	"github.com/altnet/altnet/radio"
)

// controlFlags find the daemon's control socket: --control, or the
// control key of --config (the default configuration file; its default
// socket when that file does not exist).
type controlFlags struct {
	config, control string
	configSet       bool
}

func (f *controlFlags) register(fs *flag.FlagSet) {
	fs.Func("config", "configuration `file` naming the control socket (default "+config.DefaultPath+")", func(s string) error {
		f.config, f.configSet = s, true
		return nil
	})
	fs.StringVar(&f.control, "control", "", "control `socket` of the daemon (instead of the configuration's)")
}

// socket returns the control socket's path.
func (f *controlFlags) socket() (string, error) {
	if f.control != "" {
		return f.control, nil
	}
	path := config.DefaultPath
	if f.configSet {
		path = f.config
	}
	c, err := config.Load(path)
	if errors.Is(err, fs.ErrNotExist) && !f.configSet {
		return config.Default().Control, nil
	}
	if err != nil {
		return "", err
	}
	return c.Control, nil
}

func statusCommand() *command {
	var (
		cf     controlFlags
		asJSON bool
	)
	return &command{
		name:    "status",
		summary: "show the running daemon's chain, radios, node and transaction queue",
		long: `Asks the running daemon over its control socket and prints its state: the
roles, the best chain, the radio's best header against the node's (with
"RADIO AHEAD OF NODE" when the radio has seen more work), each radio's
state and airtime used against what it may use, the link counters and
the emergency transaction queue. --json prints the control API's reply
(docs/operations.md) instead. Exits 1 when no daemon answers.`,
		flags: func(fs *flag.FlagSet) {
			cf.register(fs)
			fs.BoolVar(&asJSON, "json", false, "print the status as JSON")
		},
		run: func(e *env, args []string) error {
			if err := noArgs("altnet status", args); err != nil {
				return err
			}
			path, err := cf.socket()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
			defer cancel()
			st, err := control.NewClient(path).Status(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			printStatus(e.stdout, st)
			return nil
		},
	}
}

// printStatus writes the status as the operator reads it.
func printStatus(w io.Writer, st control.Status) {
	d := st.Daemon
	fmt.Fprintf(w, "altnet daemon on %s, pid %d, up %s (%s)\n", st.Network, d.PID, since(st.Time, d.Started), d.Version)
	fmt.Fprintf(w, "roles: %s\n\n", roleList(st.Roles))
	printTips(w, st)
	fmt.Fprintln(w)
	printRadios(w, st)
	fmt.Fprintln(w)
	printCounters(w, st)
	fmt.Fprintln(w)
	printTxs(w, st.Txs, st.Time)
}

func roleList(r gateway.Roles) string {
	var rs []string
	for _, x := range []struct {
		on   bool
		name string
	}{{r.Uplink, "uplink"}, {r.Receiver, "receiver"}, {r.Sender, "sender"}} {
		if x.on {
			rs = append(rs, x.name)
		}
	}
	if len(rs) == 0 {
		return "none"
	}
	return strings.Join(rs, ", ")
}

// printTips compares the chain, the node's tip and the radio's.
func printTips(w io.Writer, st control.Status) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "chain\t%s\n", tipLine(st.Chain))
	node := "unknown (no header from the node yet)"
	if st.NodeLink == nil && st.Daemon.Node == "" {
		node = "unknown (no node.connect)"
	}
	if st.Node.Hash != "" {
		node = tipLine(st.Node)
	}
	fmt.Fprintf(tw, "node tip\t%s\n", node)
	if l := st.NodeLink; l != nil {
		fmt.Fprintf(tw, "node link\t%s\n", nodeLink(l.Connected, l.Node, l.UserAgent, l.Since, l.LastError, st.Time))
	}
	radioTip := "none heard yet"
	if st.Radio.Hash != "" {
		radioTip = tipLine(st.Radio) + ", heard " + since(st.Time, st.Radio.Since) + " ago"
	}
	fmt.Fprintf(tw, "radio tip\t%s\n", radioTip)
	if st.Daemon.Listen != "" {
		fmt.Fprintf(tw, "listening\tfor a local node on %s (%d connected)\n", st.Daemon.Listen, len(st.Peers))
	}
	for _, p := range st.Peers {
		fmt.Fprintf(tw, "local peer\t%s %s, height %d, since %s\n", p.Addr, p.UserAgent, p.StartHeight, p.Since.Format(time.DateTime))
	}
	tw.Flush()
	if st.RadioAhead {
		fmt.Fprintf(w, "RADIO AHEAD OF NODE: the radio has shown more chain work than the node (radio height %d, node height %d);\n"+
			"the node may be cut off or eclipsed: check its connections.\n", st.Radio.Height, st.Node.Height)
	}
}

func tipLine(t gateway.TipStatus) string {
	return fmt.Sprintf("height %d  %s  work 0x%s", t.Height, t.Hash, t.Work)
}

func nodeLink(connected bool, addr, agent string, at time.Time, lastErr string, now time.Time) string {
	if connected {
		return fmt.Sprintf("connected to %s (%s) for %s", addr, agent, since(now, at))
	}
	if lastErr == "" {
		return fmt.Sprintf("connecting to %s", addr)
	}
	return fmt.Sprintf("DISCONNECTED from %s: %s", addr, lastErr)
}

// since formats the time from then to now, to the second.
func since(now, then time.Time) string {
	if then.IsZero() {
		return "?"
	}
	return now.Sub(then).Round(time.Second).String()
}

// printRadios writes one line per radio.
func printRadios(w io.Writer, st control.Status) {
	extra := map[string]control.Radio{}
	for _, r := range st.Radios {
		extra[r.Name] = r
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RADIO\tTYPE\tSTATE\tDIRECTION\tMTU\tBIT/S\tAIRTIME USED / ALLOWED\tFRAMES SENT\tBUDGET WAITS\tPROCESS")
	for _, d := range st.Drivers {
		x := extra[d.Name]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%d\t%d\t%s\n", d.Name, x.Type, d.State, d.Direction, d.MTU, d.BitRate,
			airtime(d.Budget), d.Traffic.Frames, d.Traffic.BudgetWaits, process(x))
	}
	if len(st.Drivers) == 0 {
		fmt.Fprintln(tw, "(no radio configured)")
	}
	tw.Flush()
	for _, r := range st.Radios {
		if r.LastError != "" {
			fmt.Fprintf(w, "  %s last failed %s ago: %s\n", r.Name, since(st.Time, r.LastErrorAt), r.LastError)
		}
	}
}

// airtime formats a budget: used / allowed per window (share of it).
func airtime(b radio.Budget) string {
	if !b.Limited {
		return fmt.Sprintf("%s / no limit", b.Used.Round(time.Millisecond))
	}
	pct := 0.0
	if b.Allowed > 0 {
		pct = 100 * float64(b.Used) / float64(b.Allowed)
	}
	return fmt.Sprintf("%s / %s per %s (%.2f%%)", b.Used.Round(time.Millisecond), b.Allowed, b.Window, pct)
}

func process(r control.Radio) string {
	switch {
	case !r.Process:
		return "in daemon"
	case r.PID == 0:
		return fmt.Sprintf("child down, %d restarts", r.Restarts)
	}
	return fmt.Sprintf("child pid %d, %d restarts", r.PID, r.Restarts)
}

// printCounters writes the link's and the gateway's counters.
func printCounters(w io.Writer, st control.Status) {
	l, c := st.Link, st.Counters
	fmt.Fprintf(w, "link: %d frames heard, %d messages delivered, %d duplicates, %d malformed, %d wrong network, %d corrupt, %d partial\n",
		l.Frames, l.Delivered, l.Duplicates, l.Malformed, l.WrongNetwork, l.Corrupt, l.Partial)
	fmt.Fprintf(w, "headers: %d runs and %d tips sent, %d runs heard (%d undecodable, %d held ahead of the chain, %d now), %d headers added, %d rejected, %d requests sent, %d answered\n",
		c.RunsSent, c.TipsSent, c.RunsReceived, c.RunsUndecodable, c.RunsHeld, st.HeldRuns, c.HeadersAdded, c.HeadersRejected, c.RequestsSent, c.RequestsAnswered)
	fmt.Fprintf(w, "transactions: %d sent, %d acknowledgements heard (%d without a valid tag, ignored); from radio %d heard, %d pushed to the node, %d acknowledged\n",
		c.TxsSent, c.AcksHeard, c.AcksUnauthenticated, c.TxsHeard, c.TxsPushed, c.AcksSent)
}

// printTxs writes the transaction queue.
func printTxs(w io.Writer, txs []control.TxEntry, now time.Time) {
	if len(txs) == 0 {
		fmt.Fprintln(w, "no emergency transactions queued")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TXID\tSTATE\tATTEMPTS\tVIA\tADDED\tDETAIL")
	for _, t := range txs {
		via := t.Via
		if via == "" {
			via = "any"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", t.TxID, t.State, t.Attempts, via, t.Added.Format(time.DateTime), txDetail(t, now))
	}
	tw.Flush()
}

// txDetail says what happened to a transaction last.
func txDetail(t control.TxEntry, now time.Time) string {
	switch t.State {
	case "queued":
		if t.LastSent.IsZero() {
			return "not sent yet"
		}
		return "last sent " + since(now, t.LastSent) + " ago, waiting for an acknowledgement"
	case "rejected":
		return fmt.Sprintf("rejected by the node: %s (code %#02x)", t.Reason, t.Code)
	case "accepted":
		return "in a node's mempool (acknowledged " + since(now, t.Done) + " ago)"
	case "known":
		return "the node already had it (acknowledged " + since(now, t.Done) + " ago)"
	case "expired":
		return "given up after its attempts without an acknowledgement"
	}
	return ""
}
