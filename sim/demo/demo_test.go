package demo

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/internal/clock"
)

var start = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return nil
}

// TestDemo runs the whole demonstration inside a synctest bubble: both
// receivers converge on the simulated node's chain through new blocks and
// a reorganisation, the valid transaction is accepted and the invalid one
// rejected, both acknowledged over AX.25.
func TestDemo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var snaps int
		rep, err := Run(context.Background(), Config{Clock: clock.StartingAt(clock.Real(), start), Seed: 1,
			Dir: t.TempDir(), Logger: testLogger(), Progress: func(Snapshot) { snaps++ }})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range rep.Final.Events {
			t.Logf("%8v %s", e.At.Round(time.Second), e.Text)
		}
		if !rep.OK() {
			t.Fatalf("failures: %v", rep.Failures)
		}
		if snaps < int(DefaultDuration/DefaultEvery)-1 {
			t.Errorf("%d progress reports", snaps)
		}
		tip := rep.Final.Tip.Height
		if tip < DefaultPremine+2 {
			t.Errorf("the node's tip is %d: too few blocks mined", tip)
		}
		for _, rr := range rep.Receivers {
			t.Logf("%s: height %d, first sync %v, lags %v, reorgs %d", rr.Name, rr.Height, rr.FirstSync, rr.Lags, rr.Reorgs)
			if rr.Reorgs != 1 || len(rr.Lags) < 3 {
				t.Errorf("%s went through %d reorganisations and %d catch-ups", rr.Name, rr.Reorgs, len(rr.Lags))
			}
		}
		if len(rep.Final.Txs) != 2 {
			t.Fatalf("transactions %+v", rep.Final.Txs)
		}
		if r := rep.Final.Txs[1].Entry; !strings.Contains(r.Reason, "invalid") || r.Code != 0x10 {
			t.Errorf("invalid transaction: %+v", r)
		}
	})
}
