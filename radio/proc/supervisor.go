package proc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"slices"
	"sync"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/radio"
)

// Options configure a Supervisor.
type Options struct {
	// Name is the driver's name; the child must announce the same.
	Name string
	// Command returns a new, unstarted command that runs the child (for
	// example the binary itself with "driver-child" arguments, prefixed by
	// the words of ALTNET_EXEC_WRAPPER). Its Stdin, Stdout and Stderr must
	// be unset: the supervisor connects them.
	Command func() *exec.Cmd
	Clock   clock.Clock
	Logger  *slog.Logger
	// Heartbeat is the ping interval (default 1 s); a child silent for
	// HangTimeout (default 5 s) is declared hung and killed. A new child
	// has StartTimeout (default 30 s) to announce its driver.
	Heartbeat, HangTimeout, StartTimeout time.Duration
	// MinBackoff and MaxBackoff bound the pause before a restart (default
	// 100 ms and 1 min); it doubles with each failure and resets after a
	// child stayed up for StableAfter (default 1 min).
	MinBackoff, MaxBackoff, StableAfter time.Duration
	// RxQueue is how many received frames wait for Receive (default 256).
	RxQueue int
	// DutyWindow and DutyAllowed set the core's own duty-cycle ledger,
	// which no report from the child can loosen. When zero, the ledger
	// takes the budget of the child's first announcement and keeps it.
	DutyWindow, DutyAllowed time.Duration
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Heartbeat, time.Second)
	def(&o.HangTimeout, 5*time.Second)
	def(&o.StartTimeout, 30*time.Second)
	def(&o.MinBackoff, 100*time.Millisecond)
	def(&o.MaxBackoff, time.Minute)
	def(&o.StableAfter, time.Minute)
	if o.RxQueue <= 0 {
		o.RxQueue = 256
	}
}

// Errors a Supervisor reports.
var (
	// ErrNotRunning is returned by Send while the child is down.
	ErrNotRunning = errors.New("proc: driver child not running")
	// ErrHung is the failure reason of a child that missed heartbeats.
	ErrHung = errors.New("proc: driver child hung")
	// ErrExited is the failure reason of a child that exited.
	ErrExited = errors.New("proc: driver child exited")
)

// Stats count a supervisor's events.
type Stats struct {
	Starts, Crashes, Hangs, Violations int
	// FramesDropped counts received frames dropped for a full queue.
	FramesDropped int
}

// Supervisor runs a driver in a child process and is its radio.Driver in
// the core.
type Supervisor struct {
	o      Options
	clk    clock.Clock
	log    *slog.Logger
	notify *radio.Notifier
	rx     chan radio.Frame
	closed chan struct{}
	close1 sync.Once
	wg     sync.WaitGroup

	ready   chan struct{} // closed by the first hello
	caps    radio.Capabilities
	airtime []time.Duration

	mu     sync.Mutex
	cur    *process // the running child, nil when down
	budget radio.Budget
	ledger *radio.Ledger // the core's copy of the duty cycle
	stats  Stats

	sendMu sync.Mutex
	seq    uint32
}

var _ radio.Driver = (*Supervisor)(nil)

// Start starts the child and returns once its driver is up, trying again
// with backoff until ctx is done. From then on the supervisor restarts
// the child whenever it fails, until Close.
func Start(ctx context.Context, o Options) (*Supervisor, error) {
	o.defaults()
	if o.Command == nil || o.Name == "" {
		return nil, fmt.Errorf("proc: supervisor needs a name and a command")
	}
	s := &Supervisor{o: o, clk: clock.OrReal(o.Clock), log: o.Logger, notify: radio.NewNotifier(o.Name),
		rx: make(chan radio.Frame, o.RxQueue), closed: make(chan struct{}), ready: make(chan struct{})}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if o.DutyAllowed > 0 {
		if o.DutyWindow <= 0 {
			return nil, fmt.Errorf("proc: %s: duty cycle without a window", o.Name)
		}
		s.ledger = radio.NewLedger(o.DutyWindow, o.DutyAllowed)
	}
	s.wg.Go(s.supervise)
	select {
	case <-s.ready:
		return s, nil
	case <-ctx.Done():
		s.Close()
		return nil, fmt.Errorf("proc: start %s: %w", o.Name, ctx.Err())
	}
}

// PID returns the running child's process id, or 0.
func (s *Supervisor) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil || s.cur.cmd.Process == nil {
		return 0
	}
	return s.cur.cmd.Process.Pid
}

// Stats returns the supervisor's counters.
func (s *Supervisor) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// supervise runs children one after another until Close.
func (s *Supervisor) supervise() {
	failures := 0
	for {
		start := s.clk.Now()
		s.notify.Set(radio.Starting, nil, start)
		reason := s.runChild()
		select {
		case <-s.closed:
			return
		default:
		}
		s.log.Warn("proc: driver child failed", "driver", s.o.Name, "err", reason)
		s.notify.Set(radio.Failed, reason, s.clk.Now())
		if s.clk.Since(start) >= s.o.StableAfter {
			failures = 0
		}
		delay := min(s.o.MinBackoff<<min(failures, 30), s.o.MaxBackoff)
		failures++
		t := s.clk.NewTimer(delay)
		select {
		case <-t.Chan():
		case <-s.closed:
			t.Stop()
			return
		}
	}
}

// runChild starts one child and returns why it ended.
func (s *Supervisor) runChild() error {
	c, err := s.launch()
	if err != nil {
		return err
	}
	defer func() {
		s.mu.Lock()
		s.cur = nil
		s.mu.Unlock()
	}()
	return s.watch(c)
}

// watch pings the child until it ends, hangs or the supervisor closes.
func (s *Supervisor) watch(c *process) error {
	tick := s.clk.NewTicker(s.o.Heartbeat)
	defer tick.Stop()
	started := s.clk.Now()
	var nonce uint32
	for {
		select {
		case <-c.dead:
			return c.reason()
		case <-s.closed:
			c.stop(s.clk, 2*time.Second)
			return ErrNotRunning
		case <-tick.Chan():
		}
		now := s.clk.Now()
		silent := now.Sub(time.Unix(0, c.lastHeard.Load()))
		if !c.isUp() {
			silent = now.Sub(started)
		}
		limit := s.o.HangTimeout
		if !c.isUp() {
			limit = s.o.StartTimeout
		}
		if silent > limit {
			s.count(func(st *Stats) { st.Hangs++ })
			c.fail(fmt.Errorf("%w: silent for %v", ErrHung, silent.Round(time.Millisecond)))
			select { // killed: wait for the end
			case <-c.dead:
				return c.reason()
			case <-s.closed:
				<-c.dead
				return ErrNotRunning
			}
		}
		nonce++
		c.write(msgPing, binary.LittleEndian.AppendUint32(nil, nonce))
	}
}

func (s *Supervisor) count(f func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.stats)
}

// Name returns the driver's name.
func (s *Supervisor) Name() string { return s.o.Name }

// Capabilities returns what the child announced first.
func (s *Supervisor) Capabilities() radio.Capabilities { return s.caps }

// Airtime returns the child driver's airtime of an n-byte frame, from the
// table it announced.
func (s *Supervisor) Airtime(n int) time.Duration {
	if n < 0 || n >= len(s.airtime) {
		return s.airtime[len(s.airtime)-1]
	}
	return s.airtime[n]
}

// Budget returns the child's last budget report, bounded by the core's own
// ledger: its window and allowance, and Used raised to the core's count
// when that is higher (after a restart the child's ledger starts empty;
// the core's does not).
func (s *Supervisor) Budget() radio.Budget {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.budget
	if s.ledger != nil {
		b.Limited, b.Window, b.Allowed = true, s.ledger.Window(), s.ledger.Allowed()
		b.Used = max(b.Used, s.ledger.Used(s.clk.Now()))
	}
	return b
}

// State returns the supervisor's view of the driver.
func (s *Supervisor) State() radio.State { return s.notify.State() }

// Events returns state changes: Starting, Up, Failed (with the reason),
// and Disabled after Close.
func (s *Supervisor) Events() <-chan radio.StateEvent { return s.notify.Events() }

// Receive returns the next frame the child heard; the queue survives
// restarts.
func (s *Supervisor) Receive(ctx context.Context) (radio.Frame, error) {
	select {
	case f := <-s.rx:
		return f, nil
	case <-ctx.Done():
		return radio.Frame{}, ctx.Err()
	case <-s.closed:
		return radio.Frame{}, radio.ErrClosed
	}
}

// Send hands the frame to the child and waits for its result. It returns
// ErrNotRunning while the child is down, and a *radio.BudgetError when
// the core's own ledger or the child's refuses the frame.
func (s *Supervisor) Send(ctx context.Context, payload []byte) error {
	switch {
	case !s.caps.Direction.CanSend():
		return radio.ErrReceiveOnly
	case len(payload) > s.caps.MTU:
		return fmt.Errorf("proc: %s: %d bytes: %w", s.o.Name, len(payload), radio.ErrTooLarge)
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	c, at, err := s.book(len(payload))
	if err != nil {
		return err
	}
	for len(c.results) > 0 {
		<-c.results // results of sends abandoned earlier
	}
	s.seq++
	seq := s.seq
	c.write(msgSend, append(binary.LittleEndian.AppendUint32(nil, seq), payload...))
	start := s.clk.Now()
	for {
		select {
		case r := <-c.results:
			if r.seq != seq {
				continue // the result of a send abandoned earlier
			}
			if r.code == sentOK {
				s.record(start, at)
			}
			return r.err(s.o.Name)
		case <-c.dead:
			s.record(start, at) // it may have gone out: count it
			return fmt.Errorf("proc: %s: child ended during a send: %w", s.o.Name, ErrNotRunning)
		case <-ctx.Done():
			s.record(start, at)
			return ctx.Err()
		case <-s.closed:
			return radio.ErrClosed
		}
	}
}

// book returns the running child and the frame's airtime, or why the
// frame cannot go now.
func (s *Supervisor) book(n int) (*process, time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.closed:
		return nil, 0, radio.ErrClosed
	default:
	}
	if s.cur == nil || !s.cur.isUp() {
		return nil, 0, fmt.Errorf("proc: %s: %w", s.o.Name, ErrNotRunning)
	}
	at := s.airtime[n]
	if s.ledger != nil {
		switch w := s.ledger.Wait(s.clk.Now(), at); {
		case w < 0:
			return nil, 0, &radio.BudgetError{Driver: s.o.Name, Reason: fmt.Sprintf("frame of %v exceeds the allowance", at)}
		case w > 0:
			return nil, 0, &radio.BudgetError{Driver: s.o.Name, Wait: w, Reason: "duty cycle (core ledger)"}
		}
	}
	return s.cur, at, nil
}

func (s *Supervisor) record(start time.Time, at time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ledger != nil {
		s.ledger.Record(start, at)
	}
}

// Close stops the child (closing its input, then killing it after a
// grace period) and the supervision. It is idempotent.
func (s *Supervisor) Close() error {
	s.close1.Do(func() {
		close(s.closed)
		s.wg.Wait()
		s.notify.Set(radio.Disabled, nil, s.clk.Now())
	})
	return nil
}

// sameHello reports whether a restarted child announced the same driver.
func (s *Supervisor) sameHello(h hello) bool {
	return h.name == s.o.Name && h.caps == s.caps && slices.Equal(h.airtime, s.airtime)
}
