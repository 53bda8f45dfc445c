// Package clock is the time source of everything in AltNet that waits on
// airtime, duty cycle or timeouts.
//
// The interface is clockwork.Clock (the one periph's gpiotest.Pin already
// takes), so the same value drives the radio drivers, the fake GPIO pins of the
// chip model and the schedulers. Production code uses Real. Tests run the real
// clock inside a testing/synctest bubble, where time is fake and an hour of
// radio time passes in milliseconds. The simulator, which cannot use synctest,
// runs on Scaled: wall time multiplied by a factor.
package clock

import "github.com/jonboulle/clockwork"

// Clock tells the time and makes timers. It is clockwork.Clock.
type Clock = clockwork.Clock

// Timer is a clock's one-shot timer.
type Timer = clockwork.Timer

// Ticker is a clock's periodic ticker.
type Ticker = clockwork.Ticker

// Real returns the system clock.
func Real() Clock { return clockwork.NewRealClock() }

// OrReal returns c, or the system clock when c is nil, so that options
// structs can leave the clock unset.
func OrReal(c Clock) Clock {
	if c == nil {
		return Real()
	}
	return c
}
