package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/altnet/altnet/gateway"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/sim/demo"
)

// screenSnapshot is a snapshot with one uplink radio and one receiver.
func screenSnapshot(elapsed time.Duration, events int) demo.Snapshot {
	s := demo.Snapshot{Elapsed: elapsed, Source: "test node", Tip: demo.TipView{Height: 112}}
	s.Stations = []demo.StationView{
		{Name: "uplink", Status: gateway.Status{Chain: gateway.TipStatus{Height: 112}, Roles: gateway.Roles{Uplink: true}},
			Radios: []demo.RadioView{{Name: "uplink-lora", Air: medium.Stats{Sent: 9},
				Budget: radio.Budget{Limited: true, Window: time.Hour, Allowed: 360 * time.Second, Used: 90 * time.Second}}}},
		{Name: "rx-lora", Receiver: true, Synced: true, Status: gateway.Status{Chain: gateway.TipStatus{Height: 112}},
			Radios: []demo.RadioView{{Name: "rx-lora", Air: medium.Stats{Received: 7, Lost: 2}}}},
	}
	for i := range events {
		s.Events = append(s.Events, demo.Event{At: time.Duration(i) * time.Minute, Text: fmt.Sprintf("event %d", i)})
	}
	return s
}

// TestDemoScreenANSI checks the live screen: the first frame hides the
// cursor, every later one moves back up over the previous frame and clears
// it, and the end shows the cursor again.
func TestDemoScreenANSI(t *testing.T) {
	var b bytes.Buffer
	scr := newDemoScreen(&b, true, demo.Config{Duration: 40 * time.Minute, Seed: 7}, 100)
	scr.update(screenSnapshot(time.Minute, 2))
	first := b.String()
	if !strings.HasPrefix(first, ansiHideCursor+ansiClearBelow+"AltNet demo  simulated 01:00 of 40:00 at x100  seed 7\n") {
		t.Fatalf("first frame %q", first)
	}
	for _, want := range []string{
		"uplink    112          lora   [###-------]  90.0 s / 360 s       9      0     0\n",
		"rx-lora   112 synced   lora   receive-only                       0      7     2\n",
		"  00:00  event 0\n  01:00  event 1\n",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("frame lacks %q:\n%s", want, first)
		}
	}
	lines := strings.Count(first, "\n")
	b.Reset()
	scr.update(screenSnapshot(2*time.Minute, 12))
	second := b.String()
	if !strings.HasPrefix(second, fmt.Sprintf("\x1b[%dF", lines)+ansiClearBelow) {
		t.Errorf("second frame starts %q, want to move up %d lines", second[:12], lines)
	}
	if strings.Contains(second, "event 3\n") || !strings.Contains(second, "event 4\n") || !strings.Contains(second, "event 11\n") {
		t.Errorf("the screen shows other than the last %d events:\n%s", demoEvents, second)
	}
	b.Reset()
	scr.done()
	if b.String() != ansiShowCursor+"\n" {
		t.Errorf("done wrote %q", b.String())
	}
}

// TestDemoScreenLines checks the line output: each event once, then a
// status line per update.
func TestDemoScreenLines(t *testing.T) {
	var b bytes.Buffer
	scr := newDemoScreen(&b, false, demo.Config{Duration: 40 * time.Minute}, 100)
	scr.update(screenSnapshot(time.Minute, 2))
	scr.update(screenSnapshot(3*time.Minute, 3))
	want := `[00:00] event 0
[01:00] event 1
[01:00] tip 112 | rx-lora 112 synced | air uplink-lora 90/360s
[02:00] event 2
[03:00] tip 112 | rx-lora 112 synced | air uplink-lora 90/360s
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	scr.done()
	if strings.Contains(b.String(), "\x1b") {
		t.Error("ANSI sequence in line output")
	}
}

func TestFitWidth(t *testing.T) {
	for _, tt := range []struct {
		in    string
		width int
		want  string
	}{
		{"short\n", 80, "short\n"},
		{"abcdefghij\nxy\n", 8, "abcdef…\nxy\n"},
		{"é…éééééé\n", 6, "é…éé…\n"}, // runes, not bytes
		{"no newline at the end", 10, "no newli…"},
	} {
		if got := fitWidth(tt.in, tt.width); got != tt.want {
			t.Errorf("fitWidth(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}
