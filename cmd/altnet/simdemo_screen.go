package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
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
	width   int // the terminal's columns
	printed int // events already printed as lines
}

func newDemoScreen(w io.Writer, ansi bool, cfg demo.Config, speed float64) *demoScreen {
	return &demoScreen{w: w, ansi: ansi, cfg: cfg, speed: speed, width: terminalWidth()}
}

// terminalWidth is $COLUMNS when the shell exports it, else 80.
func terminalWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 40 {
		return n
	}
	return 80
}

// fitWidth cuts every line of a frame to width-1 characters, so that no
// line wraps and moving up by the frame's line count lands on its top.
func fitWidth(frame string, width int) string {
	lines := strings.SplitAfter(frame, "\n")
	for i, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		if r := []rune(body); len(r) > width-1 {
			lines[i] = string(r[:width-2]) + "…" + l[len(body):]
		}
	}
	return strings.Join(lines, "")
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
	frame := fitWidth(s.frame(snap), s.width)
	b.WriteString(frame)
	s.lines = strings.Count(frame, "\n")
	s.w.Write(b.Bytes())
}

// done restores the terminal after the last frame. It may be called more
// than once.
func (s *demoScreen) done() {
	if s.ansi && s.lines > 0 {
		io.WriteString(s.w, ansiShowCursor+"\n")
		s.lines = 0
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
		fmt.Fprintf(&b, "  %-7s %s  %s\n", t.Label, shortHash(t.Entry.TxID.String()), txState(t.Entry, false))
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

// txState describes a transaction in a few words: its state, and for an
// acknowledged one how long after it was queued.
// The count of attempts of an acknowledged one is left to the summary
// (long), to keep the live screen's lines short.
func txState(e txqueue.Entry, long bool) string {
	attempts := plural(e.Attempts, "attempt")
	state := string(e.State)
	switch e.State {
	case txqueue.Rejected:
		state = fmt.Sprintf("rejected (%s, 0x%02x)", e.Reason, e.Code)
	case txqueue.Accepted, txqueue.Known:
	default:
		return fmt.Sprintf("%s, %s", state, attempts)
	}
	s := fmt.Sprintf("%s, acknowledged after %v", state, e.Done.Sub(e.Added).Round(time.Second))
	if long {
		s += ", " + attempts
	}
	return s
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
