package radio

import (
	"time"
)

// Ledger accounts airtime against a duty cycle: at most Allowed of airtime
// in any rolling Window (for example 36 s per hour for a 1 % sub-band).
//
// Transmissions from one radio do not overlap, so the airtime in the window
// (t-Window, t] can only grow while a transmission is on the air and is
// largest at its end. A transmission of d starting at s therefore keeps every
// rolling window within the limit exactly when the airtime already recorded
// in (s+d-Window, s+d] plus d is at most Allowed; Wait and Record apply that
// rule. The ledger keeps only the transmissions that can still fall inside a
// window, so its memory is bounded by Allowed divided by the shortest frame.
//
// A Ledger is not safe for concurrent use; a driver guards it with its own
// lock. Times are passed in so the ledger works on any clock.
type Ledger struct {
	window  time.Duration
	allowed time.Duration
	entries []span // in start order, non-overlapping
}

type span struct{ start, end time.Time }

// NewLedger returns a ledger allowing allowed airtime per rolling window.
func NewLedger(window, allowed time.Duration) *Ledger {
	return &Ledger{window: window, allowed: allowed}
}

// Window returns the rolling window length.
func (l *Ledger) Window() time.Duration { return l.window }

// Allowed returns the airtime allowed per window.
func (l *Ledger) Allowed() time.Duration { return l.allowed }

// Used returns the airtime recorded in the window (now-Window, now].
func (l *Ledger) Used(now time.Time) time.Duration {
	return l.overlap(now.Add(-l.window), now)
}

// overlap sums the recorded airtime inside (from, to].
func (l *Ledger) overlap(from, to time.Time) time.Duration {
	var sum time.Duration
	for _, e := range l.entries {
		s, t := e.start, e.end
		if s.Before(from) {
			s = from
		}
		if t.After(to) {
			t = to
		}
		if t.After(s) {
			sum += t.Sub(s)
		}
	}
	return sum
}

// Wait returns how long after now a transmission of d can start without
// breaking the duty cycle: zero if it can start now. It returns a negative
// duration if d alone exceeds the allowance and can never be sent.
func (l *Ledger) Wait(now time.Time, d time.Duration) time.Duration {
	if d > l.allowed {
		return -1
	}
	if start := l.lastEnd(); start.After(now) {
		// Still on the air (should not happen with one radio); wait for
		// the end first.
		return start.Sub(now) + l.Wait(start, d)
	}
	excess := l.overlap(now.Add(d-l.window), now.Add(d)) + d - l.allowed
	if excess <= 0 {
		return 0
	}
	// Slide the window's left edge forward until excess airtime has left
	// it. The left edge is now+d-window+wait.
	left := now.Add(d - l.window)
	for _, e := range l.entries {
		if !e.end.After(left) {
			continue
		}
		s := e.start
		if s.Before(left) {
			s = left
		}
		in := e.end.Sub(s)
		if in >= excess {
			return s.Add(excess).Sub(left)
		}
		excess -= in
	}
	// Unreachable while d <= allowed: sliding past every entry frees all.
	return l.window
}

func (l *Ledger) lastEnd() time.Time {
	if len(l.entries) == 0 {
		return time.Time{}
	}
	return l.entries[len(l.entries)-1].end
}

// Record books a transmission of d starting at start, and forgets the
// transmissions that can no longer fall in a window with it. Callers check
// Wait first; Record itself does not refuse.
func (l *Ledger) Record(start time.Time, d time.Duration) {
	horizon := start.Add(-l.window)
	drop := 0
	for drop < len(l.entries) && !l.entries[drop].end.After(horizon) {
		drop++
	}
	l.entries = append(l.entries[:0], l.entries[drop:]...)
	l.entries = append(l.entries, span{start, start.Add(d)})
}
