package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/sim/demo"
	"github.com/altnet/altnet/txqueue"
)

// ANSI sequences of the live screen.
const (
	ansiHideCursor = "\x1b[?25l"
	ansiShowCursor = "\x1b[?25h"
	ansiClearBelow = "\x1b[J"
	// ansiUp moves the cursor to the start of the line n lines up.
	ansiUp = "\x1b[%dF"
)

// demoEvents is how many of the latest events the live screen shows.
const demoEvents = 8

// demoScreen shows the demo's progress: redrawn in place on a terminal,
// as lines otherwise.
type demoScreen struct {
	w       io.Writer
	ansi    bool
	cfg     demo.Config
	speed   float64
	lines   int // height of the frame on the terminal
	printed int // events already printed as lines
}

func newDemoScreen(w io.Writer, ansi bool, cfg demo.Config, speed float64) *demoScreen {
	return &demoScreen{w: w, ansi: ansi, cfg: cfg, speed: speed}
}

// every is the default simulated time between two updates.
func (s *demoScreen) every() time.Duration {
	if s.ansi {
		return 15 * time.Second
	}
	return 2 * time.Minute
}

// update shows a snapshot.
func (s *demoScreen) update(snap demo.Snapshot) {
	if !s.ansi {
		s.lineUpdate(snap)
		return
	}
	var b bytes.Buffer
	if s.lines == 0 {
		b.WriteString(ansiHideCursor)
	} else {
		fmt.Fprintf(&b, ansiUp, s.lines)
	}
	b.WriteString(ansiClearBelow)
	frame := s.frame(snap)
	b.WriteString(frame)
	s.lines = strings.Count(frame, "\n")
	s.w.Write(b.Bytes())
}

// done restores the terminal after the last frame.
func (s *demoScreen) done() {
	if s.ansi && s.lines > 0 {
		io.WriteString(s.w, ansiShowCursor+"\n")
	}
}

// frame draws the whole screen.
func (s *demoScreen) frame(snap demo.Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "AltNet demo  simulated %s of %s at x%g  seed %d\n", clockTime(snap.Elapsed), clockTime(s.cfg.Duration), s.speed, s.cfg.Seed)
	fmt.Fprintf(&b, "node: %s, tip %d %s\n\n", snap.Source, snap.Tip.Height, shortHash(snap.Tip.Hash.String()))
	fmt.Fprintf(&b, "%-9s %-12s %-6s %-30s %5s %6s %5s\n", "STATION", "HEADERS", "RADIO", "AIRTIME IN THE LAST HOUR", "SENT", "HEARD", "LOST")
	for _, st := range snap.Stations {
		for i, r := range st.Radios {
			name, hdrs := "", ""
			if i == 0 {
				name, hdrs = st.Name, stationHeaders(st)
			}
			fmt.Fprintf(&b, "%-9s %-12s %-6s %-30s %5d %6d %5d\n", name, hdrs, radioKind(r), airtimeBar(r.Budget),
				r.Air.Sent, r.Air.Received, lostFrames(r))
		}
	}
	b.WriteString("\nTRANSACTIONS\n")
	if len(snap.Txs) == 0 {
		b.WriteString("  none queued yet\n")
	}
	for _, t := range snap.Txs {
		fmt.Fprintf(&b, "  %-8s %s  %s\n", t.Label, shortHash(t.Entry.TxID.String()), txState(t.Entry))
	}
	b.WriteString("\nEVENTS\n")
	for _, e := range snap.Events[max(0, len(snap.Events)-demoEvents):] {
		fmt.Fprintf(&b, "  %s  %s\n", clockTime(e.At), e.Text)
	}
	return b.String()
}

// lineUpdate prints the new events and one status line.
func (s *demoScreen) lineUpdate(snap demo.Snapshot) {
	var b strings.Builder
	for _, e := range snap.Events[min(s.printed, len(snap.Events)):] {
		fmt.Fprintf(&b, "[%s] %s\n", clockTime(e.At), e.Text)
	}
	s.printed = len(snap.Events)
	parts := []string{fmt.Sprintf("tip %d", snap.Tip.Height)}
	var air, txs []string
	for _, st := range snap.Stations {
		if st.Receiver {
			parts = append(parts, st.Name+" "+stationHeaders(st))
		}
		for _, r := range st.Radios {
			if r.Budget.Limited {
				air = append(air, fmt.Sprintf("%s %.0f/%.0fs", r.Name, r.Budget.Used.Seconds(), r.Budget.Allowed.Seconds()))
			}
		}
	}
	for _, t := range snap.Txs {
		txs = append(txs, t.Label+" "+string(t.Entry.State))
	}
	parts = append(parts, "air "+strings.Join(air, ", "))
	if len(txs) > 0 {
		parts = append(parts, "tx "+strings.Join(txs, ", "))
	}
	fmt.Fprintf(&b, "[%s] %s\n", clockTime(snap.Elapsed), strings.Join(parts, " | "))
	io.WriteString(s.w, b.String())
}

// stationHeaders is a station's header count, with the receivers' state.
func stationHeaders(st demo.StationView) string {
	h := fmt.Sprint(st.Status.Chain.Height)
	switch {
	case !st.Receiver:
		if st.Status.Roles.Sender && !st.Status.Roles.Uplink {
			return "-"
		}
		return h
	case st.Synced:
		return h + " synced"
	}
	return h + " behind"
}

func radioKind(r demo.RadioView) string {
	if strings.HasSuffix(r.Name, "lora") {
		return "lora"
	}
	return "ax25"
}

// airtimeBar draws the airtime used against the budget.
func airtimeBar(b radio.Budget) string {
	if !b.Limited {
		return "receive-only"
	}
	const width = 10
	n := min(width, int(float64(width)*b.Used.Seconds()/b.Allowed.Seconds()+0.5))
	return fmt.Sprintf("[%s%s] %5.1f s / %.0f s", strings.Repeat("#", n), strings.Repeat("-", width-n),
		b.Used.Seconds(), b.Allowed.Seconds())
}

// lostFrames counts the frames sent to this radio that it did not get.
func lostFrames(r demo.RadioView) int {
	return r.Air.Lost + r.Air.Corrupted + r.Air.Collided + r.Air.Missed
}

// txState describes a transaction on one line.
func txState(e txqueue.Entry) string {
	attempts := fmt.Sprintf("%d attempt", e.Attempts)
	if e.Attempts != 1 {
		attempts += "s"
	}
	switch e.State {
	case txqueue.Accepted, txqueue.Known:
		return fmt.Sprintf("%s, acknowledged %v after it was queued (%s)", e.State, e.Done.Sub(e.Added).Round(time.Second), attempts)
	case txqueue.Rejected:
		return fmt.Sprintf("rejected: %s (code 0x%02x), acknowledged %v after it was queued (%s)", e.Reason, e.Code,
			e.Done.Sub(e.Added).Round(time.Second), attempts)
	}
	return fmt.Sprintf("%s (%s)", e.State, attempts)
}

// clockTime formats a simulated duration as [h:]mm:ss.
func clockTime(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%02d:%02d", m, sec)
}

// shortHash abbreviates a hash as the demo's events do.
func shortHash(h string) string {
	if len(h) <= 12 {
		return h
	}
	return h[:6] + "…" + h[len(h)-4:]
}
