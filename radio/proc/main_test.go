package proc

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/simdriver"
)

// TestMain runs this test binary as a driver child when ALTNET_PROC_CHILD
// names a kind, so the tests supervise real processes of their own.
func TestMain(m *testing.M) {
	if kind := os.Getenv("ALTNET_PROC_CHILD"); kind != "" {
		os.Exit(runTestChild(kind))
	}
	os.Exit(m.Run())
}

// perByte is the children's airtime: 1 ms per byte plus 10 ms.
func perByte(n int) time.Duration { return time.Duration(n+10) * time.Millisecond }

// runTestChild serves a loopback driver, misbehaving as kind says:
//
//	loop   behaves
//	crash2 exits with status 3 on its second send
//	flap   exits with status 5 right after its hello
//	liar   writes a message longer than MaxMessage after its hello
func runTestChild(kind string) int {
	drv, err := simdriver.NewLoopback(simdriver.Options{Name: "drv", MTU: 255, BitRate: 1000, Airtime: perByte,
		Window: time.Hour, Allowed: 2 * time.Second}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var d radio.Driver = drv
	var out io.Writer = os.Stdout
	switch kind {
	case "crash2":
		d = &crashAfter{Driver: drv, n: 2}
	case "flap":
		out = exitAfterWrites{os.Stdout, 5}
	case "liar":
		out = &lieAfterWrites{w: os.Stdout}
	}
	if err := Serve(context.Background(), d, os.Stdin, out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type crashAfter struct {
	radio.Driver
	n, sends int
}

func (c *crashAfter) Send(ctx context.Context, p []byte) error {
	if c.sends++; c.sends >= c.n {
		os.Exit(3)
	}
	return c.Driver.Send(ctx, p)
}

// exitAfterWrites exits once the hello is written.
type exitAfterWrites struct {
	w    io.Writer
	code int
}

func (e exitAfterWrites) Write(b []byte) (int, error) {
	n, err := e.w.Write(b)
	if b[2] == byte(msgHello) {
		os.Exit(e.code)
	}
	return n, err
}

type lieAfterWrites struct{ w io.Writer }

func (l *lieAfterWrites) Write(b []byte) (int, error) {
	n, err := l.w.Write(b)
	if b[2] == byte(msgHello) {
		l.w.Write([]byte{0xff, 0xff, byte(msgFrame)})
	}
	return n, err
}

// command returns the command that runs this test binary as a child of
// the given kind, through ALTNET_EXEC_WRAPPER (the emulator in the ARM
// half of the tests).
func command(kind string) func() *exec.Cmd {
	return func() *exec.Cmd {
		argv := append(strings.Fields(os.Getenv("ALTNET_EXEC_WRAPPER")), os.Args[0], "-test.run=^$")
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "ALTNET_PROC_CHILD="+kind)
		return cmd
	}
}

// testOptions are quick enough for tests and patient enough for a child
// under an emulator.
func testOptions(kind string) Options {
	return Options{Name: "drv", Command: command(kind), Heartbeat: 50 * time.Millisecond, HangTimeout: 3 * time.Second,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, StableAfter: time.Minute}
}

func start(t *testing.T, o Options) *Supervisor {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	s, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitFor reads s's events until one in state want arrives, and returns
// it. The deadline is generous: children start slowly under an emulator.
func waitFor(t *testing.T, s *Supervisor, want radio.State) radio.StateEvent {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		select {
		case ev := <-s.Events():
			if ev.State == want {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %v event within a minute (state %v)", want, s.State())
		}
	}
}

// drain empties the event channel.
func drain(s *Supervisor) {
	for {
		select {
		case <-s.Events():
		default:
			return
		}
	}
}

// echo sends payload and expects it back.
func echo(t *testing.T, s *Supervisor, payload string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := s.Send(ctx, []byte(payload)); err != nil {
		t.Fatalf("send %q: %v", payload, err)
	}
	f, err := s.Receive(ctx)
	if err != nil || string(f.Payload) != payload || f.Driver != "drv" {
		t.Fatalf("received %q (%v), want %q", f.Payload, err, payload)
	}
}
