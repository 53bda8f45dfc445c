package clock

import (
	"sync"
	"time"
)

// Scaled is a clock on which time passes factor times faster than on the
// wall: Now starts at the moment of creation and advances factor seconds per
// wall second, and a timer of d fires after d/factor of wall time. The
// simulator uses it to show an hour of radio traffic in a minute.
//
// Scaled is safe for concurrent use.
type Scaled struct {
	factor float64
	origin time.Time // wall time at creation
	start  time.Time // clock time at creation
}

// NewScaled returns a clock that runs factor times faster than the wall
// clock, starting at start (the current wall time when start is zero).
// A factor below 1 is treated as 1.
func NewScaled(factor float64, start time.Time) *Scaled {
	if factor < 1 {
		factor = 1
	}
	now := time.Now()
	if start.IsZero() {
		start = now
	}
	return &Scaled{factor: factor, origin: now, start: start}
}

var _ Clock = (*Scaled)(nil)

// Factor returns how many clock seconds pass per wall second.
func (s *Scaled) Factor() float64 { return s.factor }

// Now returns the scaled time.
func (s *Scaled) Now() time.Time {
	return s.start.Add(time.Duration(float64(time.Since(s.origin)) * s.factor))
}

// Since returns the scaled time elapsed since t.
func (s *Scaled) Since(t time.Time) time.Duration { return s.Now().Sub(t) }

// Until returns the scaled time until t.
func (s *Scaled) Until(t time.Time) time.Duration { return t.Sub(s.Now()) }

// wall converts a scaled duration into wall time.
func (s *Scaled) wall(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	w := time.Duration(float64(d) / s.factor)
	if w == 0 {
		w = 1
	}
	return w
}

// Sleep blocks for d of scaled time.
func (s *Scaled) Sleep(d time.Duration) { time.Sleep(s.wall(d)) }

// After returns a channel that receives the scaled time after d.
func (s *Scaled) After(d time.Duration) <-chan time.Time {
	return s.NewTimer(d).Chan()
}

// NewTimer returns a timer that fires after d of scaled time.
func (s *Scaled) NewTimer(d time.Duration) Timer {
	t := &scaledTimer{clock: s, c: make(chan time.Time, 1)}
	t.t = time.AfterFunc(s.wall(d), t.fire)
	return t
}

// AfterFunc calls f in its own goroutine after d of scaled time.
func (s *Scaled) AfterFunc(d time.Duration, f func()) Timer {
	t := &scaledTimer{clock: s}
	t.t = time.AfterFunc(s.wall(d), f)
	return t
}

// NewTicker returns a ticker with a period of d scaled time.
func (s *Scaled) NewTicker(d time.Duration) Ticker {
	t := &scaledTicker{clock: s, c: make(chan time.Time, 1)}
	t.t = time.NewTicker(s.wall(d))
	t.done = make(chan struct{})
	go t.relay()
	return t
}

type scaledTimer struct {
	clock *Scaled
	c     chan time.Time // nil for AfterFunc timers
	t     *time.Timer
}

func (t *scaledTimer) fire() {
	select {
	case t.c <- t.clock.Now():
	default:
	}
}

func (t *scaledTimer) Chan() <-chan time.Time { return t.c }

func (t *scaledTimer) Stop() bool { return t.t.Stop() }

func (t *scaledTimer) Reset(d time.Duration) bool {
	if t.c != nil {
		// Drain a tick that fired before the reset, as time.Timer does
		// since Go 1.23.
		select {
		case <-t.c:
		default:
		}
	}
	return t.t.Reset(t.clock.wall(d))
}

type scaledTicker struct {
	clock *Scaled
	c     chan time.Time
	t     *time.Ticker
	once  sync.Once
	done  chan struct{}
}

func (t *scaledTicker) relay() {
	for {
		select {
		case <-t.t.C:
			select {
			case t.c <- t.clock.Now():
			default:
			}
		case <-t.done:
			return
		}
	}
}

func (t *scaledTicker) Chan() <-chan time.Time { return t.c }

func (t *scaledTicker) Reset(d time.Duration) { t.t.Reset(t.clock.wall(d)) }

func (t *scaledTicker) Stop() {
	t.t.Stop()
	t.once.Do(func() { close(t.done) })
}
