package lora_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/lora/sx127xsim"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
)

// TestDayOfSaturatingLoadKeepsOnePercent sends as fast as the driver lets
// it for 24 simulated hours on 868.1 MHz (EU868 g1, 1 %) and checks, by
// brute force over every transmission the chip model made, that no rolling
// hour holds more than 36 s of airtime, and that the sender really used
// nearly all of it.
func TestDayOfSaturatingLoadKeepsOnePercent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testContext(t)
		air := medium.New(medium.Options{})
		o := euOpts()
		o.EdgeWait, o.PollInterval = time.Second, 10*time.Second
		s, closeS := attach(t, air, "gw", o)
		defer closeS()
		rng := rand.New(rand.NewPCG(5, 6))
		end := time.Now().Add(24 * time.Hour)
		refusals := 0
		for time.Now().Before(end) {
			n := 1 + rng.IntN(255)
			err := s.dev.Send(ctx, make([]byte, n))
			var be *radio.BudgetError
			switch {
			case errors.As(err, &be) && be.Wait > 0:
				refusals++
				time.Sleep(be.Wait)
				// The wait is exact: the same frame fits now.
				if err := s.dev.Send(ctx, make([]byte, n)); err != nil {
					t.Fatalf("after waiting %v: %v", be.Wait, err)
				}
			case err != nil:
				t.Fatal(err)
			}
		}
		txs := s.chip.Transmissions()
		worst := worstHour(txs)
		if worst > 36*time.Second {
			t.Fatalf("a rolling hour holds %v of airtime, more than 1 %% (36 s)", worst)
		}
		var total time.Duration
		for _, tx := range txs {
			total += tx.Airtime
		}
		if perHour := total / 24; perHour < 35*time.Second {
			t.Fatalf("only %v per hour used of 36 s (%d frames, %d refusals)", perHour, len(txs), refusals)
		}
		t.Logf("%d frames, %v airtime in 24 h, worst rolling hour %v, %d refusals", len(txs), total, worst, refusals)
	})
}

// worstHour returns the most airtime in any rolling hour. The window that
// holds the most ends at the end of some transmission, so checking those
// windows, each against every transmission, is exhaustive.
func worstHour(txs []sx127xsim.Transmission) time.Duration {
	var worst time.Duration
	for _, e := range txs {
		to := e.Start.Add(e.Airtime)
		from := to.Add(-time.Hour)
		var sum time.Duration
		for _, o := range txs {
			a, b := o.Start, o.Start.Add(o.Airtime)
			if a.Before(from) {
				a = from
			}
			if b.After(to) {
				b = to
			}
			if b.After(a) {
				sum += b.Sub(a)
			}
		}
		worst = max(worst, sum)
	}
	return worst
}
