package gateway

import (
	"flag"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
)

// catchupBlocks sets how far behind TestOneWayCatchUpHoldsRunsAhead's
// receiver starts; make bench runs it with 2000 for the figure.
var catchupBlocks = flag.Int("catchup-blocks", 480, "headers the receiver of TestOneWayCatchUpHoldsRunsAhead lacks (a multiple of 16)")

// TestOneWayCatchUpHoldsRunsAhead: a receive-only receiver 480 headers
// behind catches up from a carousel of 30 runs (one every ~11 s: a pass
// takes about 6 minutes) over a link that loses one frame in ten, with no
// parity, so about a quarter of the runs are lost on each pass. Runs heard
// after a lost one are held and decoded as soon as the lost one comes
// round again: a few passes suffice. A receiver that holds nothing gets
// past one lost run per pass; it is the baseline in the log.
func TestOneWayCatchUpHoldsRunsAhead(t *testing.T) {
	blocks := *catchupBlocks
	scale := time.Duration(max(blocks/480, 1))
	for _, tt := range []struct {
		name  string
		held  int           // Options.HeldRunBytes
		limit time.Duration // simulated time allowed to catch up
	}{
		{"holds runs", 0, scale * 40 * time.Minute},
		{"holds nothing", -1, scale * 24 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t)
				upChain, cs := w.followingUplink(blocks, "rx")
				rxChain := cs[0]
				w.air.Connect("up", "rx", medium.Link{Loss: 0.1})
				w.run("up", Options{Roles: Roles{Uplink: true}, Chain: upChain, CarouselDepth: blocks,
					Drivers: []Driver{{Driver: w.driver("up", radio.TransmitOnly), Carousel: true, CarouselGap: 10 * time.Second}}})
				begin := time.Now()
				rx := w.run("rx", Options{Roles: Roles{Receiver: true}, Chain: rxChain, HeldRunBytes: tt.held,
					Drivers: []Driver{{Driver: w.driver("rx", radio.ReceiveOnly)}}})
				w.waitFor(tt.limit, "the receiver did not catch up", func() bool { return sameTip(rxChain, w.node) })
				synctest.Wait()
				c := rx.Status().Counters
				t.Logf("%d headers, %s: caught up in %v of radio time; %d runs heard, %d held, %d undecodable",
					blocks, tt.name, time.Since(begin), c.RunsReceived, c.RunsHeld, c.RunsUndecodable)
				if st := rx.Status(); tt.held < 0 && c.RunsHeld != 0 || tt.held == 0 && (c.RunsHeld == 0 || st.HeldRuns != 0 || st.HeldBytes != 0) {
					t.Errorf("%d runs held; %d (%d bytes) still held after catching up", c.RunsHeld, st.HeldRuns, st.HeldBytes)
				}
			})
		})
	}
}

// TestHeldRunsBound: the held runs stay within their byte and count
// bounds; past them, the runs furthest ahead go first, and a run further
// ahead than all the others is not taken. A run held twice is held once.
func TestHeldRunsBound(t *testing.T) {
	run := func(height uint32, size int) link.HeaderRun {
		return link.HeaderRun{Height: height, Count: 16, Check: [link.CheckSize]byte{byte(height)}, Data: make([]byte, size)}
	}
	heights := func(h *heldRuns) []uint32 {
		var out []uint32
		for _, r := range h.runs {
			out = append(out, r.run.Height)
		}
		return out
	}
	h := heldRuns{maxBytes: 1000}
	for _, height := range []uint32{500, 100, 300} {
		if !h.add("rx", run(height, 300)) {
			t.Fatalf("run at %d not held", height)
		}
	}
	if !h.add("other", run(300, 300)) || h.bytes != 900 {
		t.Fatalf("the same run again: %d bytes held, want 900", h.bytes)
	}
	if !h.add("rx", run(200, 300)) { // pushes 500 out
		t.Fatal("run at 200 not held")
	}
	if got := heights(&h); !slices.Equal(got, []uint32{100, 200, 300}) || h.bytes != 900 {
		t.Fatalf("held %v (%d bytes), want [100 200 300] (900)", got, h.bytes)
	}
	if h.add("rx", run(400, 300)) {
		t.Fatal("a run further ahead than all held ones was taken past the bound")
	}
	if h.add("rx", run(50, 1001)) {
		t.Fatal("a run larger than the bound was taken")
	}
	if got := h.upTo(199); len(got) != 2 || got[0].run.Height != 100 || got[1].run.Height != 200 {
		t.Fatalf("upTo(199) = %d runs, want the runs at 100 and 200", len(got))
	}
	// A forged run with a genuine run's height, count and check, heard
	// first, does not keep the genuine one out.
	forged := run(300, 300)
	forged.Data[0] = 1
	h2 := heldRuns{maxBytes: 1000}
	if !h2.add("mallory", forged) || !h2.add("rx", run(300, 300)) || !h2.add("rx", run(300, 300)) || len(h2.runs) != 2 || h2.bytes != 600 {
		t.Fatalf("forged then genuine run at 300: %d runs, %d bytes held; want both, once each", len(h2.runs), h2.bytes)
	}
	h.remove(heldRun{run: run(200, 300)})
	if got := heights(&h); !slices.Equal(got, []uint32{100, 300}) || h.bytes != 600 {
		t.Fatalf("after remove: %v (%d bytes)", got, h.bytes)
	}
	if off := (heldRuns{}); off.add("rx", run(1, 0)) {
		t.Fatal("holding is off, yet a run was held")
	}

	many := heldRuns{maxBytes: 1 << 30}
	for i := range maxHeldRuns + 10 {
		many.add("rx", run(uint32(maxHeldRuns+10-i), 1)) // lowest last: each pushes the top out
	}
	if n := len(many.runs); n != maxHeldRuns || many.runs[n-1].run.Height != maxHeldRuns {
		t.Fatalf("%d runs held, top %d; want %d, top %d", n, many.runs[n-1].run.Height, maxHeldRuns, maxHeldRuns)
	}
}
