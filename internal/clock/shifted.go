package clock

import "time"

// Shifted is a clock that reads start at the moment it is made and then
// advances with the clock it wraps; its timers are the wrapped clock's.
// Tests inside a testing/synctest bubble, whose fake time begins in 2000,
// use it to run a chain whose timestamps must not lie in the future.
type Shifted struct {
	Clock
	offset time.Duration
}

// StartingAt returns c shifted so that it reads start now.
func StartingAt(c Clock, start time.Time) *Shifted {
	return &Shifted{Clock: c, offset: start.Sub(c.Now())}
}

// Now returns the shifted time.
func (s *Shifted) Now() time.Time { return s.Clock.Now().Add(s.offset) }

// Since returns the time elapsed since t on the shifted clock.
func (s *Shifted) Since(t time.Time) time.Duration { return s.Now().Sub(t) }

// Until returns the time until t on the shifted clock.
func (s *Shifted) Until(t time.Time) time.Duration { return t.Sub(s.Now()) }
