package radio

import (
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func TestLedgerWait(t *testing.T) {
	type tx struct {
		at time.Duration // offset from t0
		d  time.Duration
	}
	tests := []struct {
		name    string
		window  time.Duration
		allowed time.Duration
		booked  []tx
		at, d   time.Duration
		want    time.Duration
	}{
		{"empty ledger sends at once", time.Hour, 36 * time.Second, nil, 0, time.Second, 0},
		{"frame longer than the allowance never fits", time.Hour, 36 * time.Second, nil, 0, 37 * time.Second, -1},
		{"exactly the allowance fits", time.Hour, 36 * time.Second, nil, 0, 36 * time.Second, 0},
		{"full window waits for the first frame to age out",
			time.Hour, 36 * time.Second, []tx{{0, 36 * time.Second}}, 36 * time.Second, time.Second,
			// The window ending at start+1s must hold at most 35 s of
			// the old frame: its first second must leave, so start at
			// t0+1h (window (t0+1s, t0+1h+1s]).
			time.Hour - 36*time.Second},
		{"partial room", time.Hour, 10 * time.Second,
			[]tx{{0, 4 * time.Second}, {time.Minute, 4 * time.Second}}, 2 * time.Minute, 2 * time.Second, 0},
		{"needs two frames to age out", time.Hour, 10 * time.Second,
			[]tx{{0, 4 * time.Second}, {time.Minute, 4 * time.Second}}, 2 * time.Minute, 8 * time.Second,
			// Must free 6 s: all 4 s of the first frame and 2 s of the
			// second. The left edge moves from t0+2m+8s-1h to t0+1m+2s.
			time.Hour - 66*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLedger(tt.window, tt.allowed)
			for _, b := range tt.booked {
				l.Record(t0.Add(b.at), b.d)
			}
			if got := l.Wait(t0.Add(tt.at), tt.d); got != tt.want {
				t.Fatalf("Wait = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestLedgerNeverExceeds drives a saturating random sender through the
// ledger and checks every rolling window by brute force.
func TestLedgerNeverExceeds(t *testing.T) {
	const window, allowed = time.Hour, 36 * time.Second
	rng := rand.New(rand.NewPCG(1, 2))
	l := NewLedger(window, allowed)
	var sent []span
	now := t0
	var total time.Duration
	for now.Before(t0.Add(24 * time.Hour)) {
		d := time.Duration(50+rng.IntN(2000)) * time.Millisecond
		w := l.Wait(now, d)
		if w < 0 {
			t.Fatalf("frame of %v refused forever", d)
		}
		now = now.Add(w)
		l.Record(now, d)
		sent = append(sent, span{now, now.Add(d)})
		total += d
		now = now.Add(d + time.Duration(rng.IntN(1000))*time.Millisecond)
	}
	// The worst window ends at the end of some transmission.
	for _, s := range sent {
		var sum time.Duration
		from := s.end.Add(-window)
		for _, o := range sent {
			a, b := o.start, o.end
			if a.Before(from) {
				a = from
			}
			if b.After(s.end) {
				b = s.end
			}
			if b.After(a) {
				sum += b.Sub(a)
			}
		}
		if sum > allowed {
			t.Fatalf("window ending %v holds %v > %v", s.end.Sub(t0), sum, allowed)
		}
	}
	// A saturating sender should use nearly the whole allowance.
	if perHour := total / 24; perHour < allowed*95/100 {
		t.Fatalf("used only %v per hour of %v allowed", perHour, allowed)
	}
	if len(l.entries) > int(allowed/(50*time.Millisecond))+1 {
		t.Fatalf("ledger kept %d entries", len(l.entries))
	}
}

func TestLedgerUsed(t *testing.T) {
	l := NewLedger(time.Hour, time.Minute)
	l.Record(t0, 10*time.Second)
	l.Record(t0.Add(30*time.Minute), 5*time.Second)
	if got := l.Used(t0.Add(time.Hour + 5*time.Second)); got != 10*time.Second {
		t.Fatalf("Used = %v, want 10s (5 s of the first frame and all of the second)", got)
	}
}
