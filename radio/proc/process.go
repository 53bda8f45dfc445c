package proc

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/radio"
)

// process is one child: its command, pipe and fate.
type process struct {
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	wmu       sync.Mutex
	dead      chan struct{} // closed once the process has exited
	up        atomic.Bool   // its driver announced itself
	lastHeard atomic.Int64  // Unix ns, on the supervisor's clock
	results   chan sent

	mu     sync.Mutex
	why    error // the first failure seen
	killed bool
}

// launch starts a child and the goroutines that read its output and wait
// for its end.
func (s *Supervisor) launch() (*process, error) {
	cmd := s.o.Command()
	p := &process{cmd: cmd, dead: make(chan struct{}), results: make(chan sent, 2)}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("proc: %s: %w", s.o.Name, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("proc: %s: %w", s.o.Name, err)
	}
	cmd.Stderr = &logWriter{log: s.log, driver: s.o.Name}
	p.stdin = stdin
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("proc: start %s: %w", s.o.Name, err)
	}
	p.lastHeard.Store(s.clk.Now().UnixNano())
	s.mu.Lock()
	s.cur = p
	s.stats.Starts++
	s.mu.Unlock()
	read := make(chan struct{})
	go func() {
		defer close(read)
		s.readLoop(p, stdout)
	}()
	go func() {
		<-read // the pipe is drained before Wait closes it
		err := cmd.Wait()
		p.mu.Lock()
		crashed := !p.killed
		p.mu.Unlock()
		if crashed {
			s.count(func(st *Stats) { st.Crashes++ })
		}
		p.fail(fmt.Errorf("%w: %v", ErrExited, err))
		close(p.dead)
	}()
	return p, nil
}

// fail records why the child is being given up and kills it.
func (p *process) fail(why error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.why == nil {
		p.why = why
	}
	if !p.killed && p.cmd.Process != nil {
		p.killed = true
		p.cmd.Process.Signal(syscall.SIGKILL)
	}
}

func (p *process) reason() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.why
}

func (p *process) isUp() bool { return p.up.Load() }

// write sends one message to the child; a failure shows up as its death.
func (p *process) write(t msgType, payload []byte) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.stdin.Write(appendMsg(nil, t, payload))
}

// stop closes the child's input so it can close its device, and kills it
// if it has not exited after grace.
func (p *process) stop(clk clock.Clock, grace time.Duration) {
	p.stdin.Close()
	t := clk.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.dead:
	case <-t.Chan():
		p.fail(errors.New("proc: stopped"))
		<-p.dead
	}
}

// readLoop handles the child's messages until its output ends or it breaks
// the protocol.
func (s *Supervisor) readLoop(p *process, out io.Reader) {
	r := newReader(out)
	for {
		t, payload, err := r.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.violation(p, err)
			}
			io.Copy(io.Discard, out)
			return
		}
		p.lastHeard.Store(s.clk.Now().UnixNano())
		if err := s.handle(p, t, payload); err != nil {
			s.violation(p, err)
			io.Copy(io.Discard, out)
			return
		}
	}
}

func (s *Supervisor) violation(p *process, err error) {
	s.count(func(st *Stats) { st.Violations++ })
	p.fail(err)
}

// handle acts on one message from the child.
func (s *Supervisor) handle(p *process, t msgType, b []byte) error {
	if t != msgHello && !p.isUp() {
		return fmt.Errorf("%w: message %d before hello", ErrProtocol, t)
	}
	switch t {
	case msgHello:
		return s.handleHello(p, b)
	case msgFrame:
		f, err := decodeFrame(b, s.o.Name, s.caps.MTU)
		if err != nil {
			return err
		}
		select {
		case s.rx <- f:
		default:
			s.count(func(st *Stats) { st.FramesDropped++ })
		}
	case msgSent:
		r, err := decodeSent(b)
		if err != nil {
			return err
		}
		select {
		case p.results <- r:
		default:
			return fmt.Errorf("%w: unasked send result", ErrProtocol)
		}
	case msgBudget:
		return s.handleBudget(b)
	case msgState:
		return s.handleState(b)
	case msgPong:
		if len(b) != 4 {
			return fmt.Errorf("%w: pong of %d bytes", ErrProtocol, len(b))
		}
	default:
		return fmt.Errorf("%w: message type %d", ErrProtocol, t)
	}
	return nil
}

func (s *Supervisor) handleHello(p *process, b []byte) error {
	h, err := decodeHello(b)
	if err != nil {
		return err
	}
	if p.isUp() {
		return fmt.Errorf("%w: second hello", ErrProtocol)
	}
	first := false
	select {
	case <-s.ready:
		if !s.sameHello(h) {
			return fmt.Errorf("%w: restarted child announced another driver (%s, %+v)", ErrProtocol, h.name, h.caps)
		}
	default:
		if h.name != s.o.Name {
			return fmt.Errorf("%w: child announced driver %q, want %q", ErrProtocol, h.name, s.o.Name)
		}
		s.caps, s.airtime, first = h.caps, h.airtime, true
	}
	s.setBudget(h.budget)
	p.up.Store(true)
	s.notify.Set(radio.Up, nil, s.clk.Now())
	if first {
		close(s.ready) // Start returns: everything above is in place
	}
	return nil
}

func (s *Supervisor) handleBudget(b []byte) error {
	bu, err := decodeBudget(b)
	if err != nil {
		return err
	}
	s.setBudget(bu)
	return nil
}

// setBudget stores a budget report and keeps the core's ledger in step.
func (s *Supervisor) setBudget(bu radio.Budget) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.budget = bu
	if bu.Limited && s.ledger == nil {
		s.ledger = radio.NewLedger(bu.Window, bu.Allowed)
	}
}

func (s *Supervisor) handleState(b []byte) error {
	st, text, err := decodeState(b)
	if err != nil {
		return err
	}
	var why error
	if text != "" {
		why = errors.New(text)
	}
	switch st {
	case radio.Up, radio.Failed:
		s.notify.Set(st, why, s.clk.Now())
	}
	return nil
}

// logWriter logs a child's standard error line by line.
type logWriter struct {
	log    *slog.Logger
	driver string
	mu     sync.Mutex
	buf    []byte
}

// maxLogLine bounds one logged line of a child's output.
const maxLogLine = 1024

// Write logs every complete line of b (long lines cut at maxLogLine).
func (w *logWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		line, rest, ok := cutLine(w.buf)
		if !ok {
			break
		}
		w.log.Info("driver child", "driver", w.driver, "line", string(line))
		w.buf = rest
	}
	if len(w.buf) > maxLogLine {
		w.log.Info("driver child", "driver", w.driver, "line", string(w.buf[:maxLogLine]))
		w.buf = w.buf[:0]
	}
	return len(b), nil
}

func cutLine(b []byte) (line, rest []byte, ok bool) {
	for i, c := range b {
		if c == '\n' {
			return b[:min(i, maxLogLine)], b[i+1:], true
		}
	}
	return nil, b, false
}
