package clock

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestScaledAdvancesFasterThanWall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		c := NewScaled(60, start)
		if got := c.Now(); !got.Equal(start) {
			t.Fatalf("Now at creation = %v, want %v", got, start)
		}
		time.Sleep(time.Second) // one wall second in the bubble
		if got, want := c.Since(start), time.Minute; got != want {
			t.Fatalf("after 1 wall second: %v elapsed, want %v", got, want)
		}
	})
}

func TestScaledTimers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewScaled(100, time.Time{})
		begin := time.Now()
		tm := c.NewTimer(10 * time.Second)
		<-tm.Chan()
		if wall := time.Since(begin); wall != 100*time.Millisecond {
			t.Fatalf("10 s timer at x100 took %v of wall time, want 100ms", wall)
		}
		if tm.Reset(time.Second) {
			t.Fatal("Reset of a fired timer reported it active")
		}
		<-tm.Chan()
		if !c.NewTimer(time.Hour).Stop() {
			t.Fatal("Stop of a pending timer reported it inactive")
		}
		fired := make(chan struct{})
		c.AfterFunc(time.Minute, func() { close(fired) })
		<-fired
		tk := c.NewTicker(time.Second)
		for range 3 {
			<-tk.Chan()
		}
		tk.Stop()
		tk.Stop() // idempotent
		<-c.After(time.Second)
		c.Sleep(time.Second)
	})
}

func TestFactorBelowOne(t *testing.T) {
	if f := NewScaled(0.5, time.Time{}).Factor(); f != 1 {
		t.Fatalf("factor 0.5 gave %v, want 1", f)
	}
	if OrReal(nil) == nil {
		t.Fatal("OrReal(nil) returned nil")
	}
}

func TestShifted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		c := StartingAt(Real(), start)
		if !c.Now().Equal(start) {
			t.Fatalf("Now = %v, want %v", c.Now(), start)
		}
		<-c.After(time.Hour)
		if got := c.Since(start); got != time.Hour {
			t.Fatalf("after a one-hour timer, %v elapsed", got)
		}
		if got := c.Until(start.Add(2 * time.Hour)); got != time.Hour {
			t.Fatalf("Until = %v", got)
		}
	})
}
