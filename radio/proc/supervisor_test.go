package proc

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/altnet/altnet/radio"
)

func TestRoundTrip(t *testing.T) {
	s := start(t, testOptions("loop"))
	if c := s.Capabilities(); c.MTU != 255 || c.Direction != radio.TwoWay || s.Airtime(100) != perByte(100) {
		t.Fatalf("capabilities %+v, airtime %v", c, s.Airtime(100))
	}
	echo(t, s, "hello")
	if b := s.Budget(); !b.Limited || b.Allowed != 2*time.Second || b.Used < perByte(5) {
		t.Fatalf("budget %+v", b)
	}
	if err := s.Send(t.Context(), make([]byte, 256)); !errors.Is(err, radio.ErrTooLarge) {
		t.Fatalf("send above MTU: %v", err)
	}
	s.Close()
	if _, err := s.Receive(t.Context()); !errors.Is(err, radio.ErrClosed) {
		t.Fatalf("receive after close: %v", err)
	}
	if s.State() != radio.Disabled {
		t.Fatalf("state after close %v", s.State())
	}
}

// TestCrashRestarts: a child that exits is reported failed and restarted.
func TestCrashRestarts(t *testing.T) {
	s := start(t, testOptions("crash2"))
	echo(t, s, "first")
	if err := s.Send(t.Context(), []byte("second")); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("send that crashes the child: %v", err)
	}
	ev := waitFor(t, s, radio.Failed)
	if !errors.Is(ev.Err, ErrExited) || !strings.Contains(ev.Err.Error(), "exit status 3") {
		t.Fatalf("failure reason %v", ev.Err)
	}
	waitFor(t, s, radio.Up)
	echo(t, s, "after restart")
	if st := s.Stats(); st.Starts != 2 || st.Crashes != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestKilledRestarts: SIGKILL from outside.
func TestKilledRestarts(t *testing.T) {
	s := start(t, testOptions("loop"))
	echo(t, s, "before")
	pid := s.PID()
	drain(s)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	ev := waitFor(t, s, radio.Failed)
	if !errors.Is(ev.Err, ErrExited) || !strings.Contains(ev.Err.Error(), "killed") {
		t.Fatalf("failure reason %v", ev.Err)
	}
	waitFor(t, s, radio.Up)
	if s.PID() == pid || s.PID() == 0 {
		t.Fatalf("pid %d after restart of %d", s.PID(), pid)
	}
	echo(t, s, "after")
}

// TestHungRestarts: a SIGSTOPped child misses heartbeats, is killed and
// restarted, while another supervised driver keeps serving.
func TestHungRestarts(t *testing.T) {
	s := start(t, testOptions("loop"))
	o := testOptions("loop")
	o.Name = "drv"
	other := start(t, o)
	pid := s.PID()
	drain(s)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	// The other driver serves while this one hangs.
	for i := range 3 {
		echo(t, other, "meanwhile "+string(rune('a'+i)))
	}
	if err := s.Send(context.Background(), []byte("into the void")); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("send to a stopped child: %v", err)
	}
	ev := waitFor(t, s, radio.Failed)
	if !errors.Is(ev.Err, ErrHung) {
		t.Fatalf("failure reason %v", ev.Err)
	}
	waitFor(t, s, radio.Up)
	echo(t, s, "after")
	if st := s.Stats(); st.Hangs != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestBackoffDoubles: a child that fails at once is restarted after
// pauses that double up to MaxBackoff.
func TestBackoffDoubles(t *testing.T) {
	o := testOptions("flap")
	o.MinBackoff, o.MaxBackoff = 40*time.Millisecond, 160*time.Millisecond
	s := start(t, o)
	var fails, starts []time.Time
	for len(starts) < 5 {
		select {
		case ev := <-s.Events():
			switch ev.State {
			case radio.Failed:
				fails = append(fails, ev.Time)
			case radio.Starting:
				if len(fails) > len(starts) {
					starts = append(starts, ev.Time)
				}
			}
		case <-time.After(time.Minute):
			t.Fatalf("only %d restarts", len(starts))
		}
	}
	for i, st := range starts {
		want := min(o.MinBackoff<<i, o.MaxBackoff)
		if gap := st.Sub(fails[i]); gap < want {
			t.Errorf("restart %d after %v, want at least %v", i, gap, want)
		}
	}
}

// TestLedgerSurvivesRestart: the core's own ledger keeps the duty cycle
// across a restart, which empties the child's.
func TestLedgerSurvivesRestart(t *testing.T) {
	s := start(t, testOptions("loop"))
	frame := make([]byte, 255) // 265 ms; 7 fit in the 2 s allowance
	var be *radio.BudgetError
	sent := 0
	for ; sent < 10; sent++ {
		if err := s.Send(t.Context(), frame); errors.As(err, &be) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if sent != 7 {
		t.Fatalf("%d frames before the budget refused", sent)
	}
	drain(s)
	syscall.Kill(s.PID(), syscall.SIGKILL)
	waitFor(t, s, radio.Up)
	if err := s.Send(t.Context(), frame); !errors.As(err, &be) || be.Wait <= 0 || !strings.Contains(be.Reason, "core") {
		t.Fatalf("send after restart: %v", err)
	}
}

// TestProtocolViolation: a child that writes an oversized message is
// killed and restarted.
func TestProtocolViolation(t *testing.T) {
	s := start(t, testOptions("liar"))
	ev := waitFor(t, s, radio.Failed)
	if !errors.Is(ev.Err, ErrProtocol) {
		t.Fatalf("failure reason %v", ev.Err)
	}
	if st := s.Stats(); st.Violations < 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestCoreDutyCycleWins: the core's configured duty cycle binds even when
// the child claims a looser one.
func TestCoreDutyCycleWins(t *testing.T) {
	o := testOptions("loop") // the child allows 2 s per hour
	o.DutyWindow, o.DutyAllowed = time.Hour, 500*time.Millisecond
	s := start(t, o)
	if b := s.Budget(); b.Allowed != 500*time.Millisecond {
		t.Fatalf("budget %+v", b)
	}
	var be *radio.BudgetError
	sent := 0
	for ; sent < 5; sent++ {
		if err := s.Send(t.Context(), make([]byte, 255)); errors.As(err, &be) {
			break
		}
	}
	if sent != 1 {
		t.Fatalf("%d frames of 265 ms within a 500 ms allowance", sent)
	}
}

// TestChildHasItsOwnProcessGroup: a child made by ChildCommand does not
// share the daemon's process group, so a Ctrl-C on the daemon's terminal
// does not reach it; the daemon stops it. ALTNET_PROC_CHILD is inherited
// (ALTNET_* variables are), so the child is this test binary serving a
// loopback driver until its stdin closes.
func TestChildHasItsOwnProcessGroup(t *testing.T) {
	t.Setenv("ALTNET_PROC_CHILD", "loop")
	mk, err := ChildCommand()
	if err != nil {
		t.Fatal(err)
	}
	cmd := mk()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	pgid, err := syscall.Getpgid(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if pgid != cmd.Process.Pid || pgid == syscall.Getpgrp() {
		t.Fatalf("child %d in process group %d (ours %d), want a group of its own", cmd.Process.Pid, pgid, syscall.Getpgrp())
	}
}
