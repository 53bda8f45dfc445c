package tnc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/tarm/serial"
)

// Dialer opens the host end of a KISS link. The driver calls Dial again
// each time the link drops, so a Dialer must be reusable.
type Dialer interface {
	Dial(ctx context.Context) (io.ReadWriteCloser, error)
	// String names the link in logs, e.g. "tcp 127.0.0.1:8001".
	String() string
}

// DefaultTCPAddr is Direwolf's KISS-over-TCP port on the local host.
const DefaultTCPAddr = "127.0.0.1:8001"

// TCP dials KISS over TCP, as Direwolf (KISSPORT, default 8001) and other
// software TNCs offer it.
type TCP struct {
	// Addr is host:port; DefaultTCPAddr when empty.
	Addr string
	// Timeout bounds the connection attempt; 10 s when zero.
	Timeout time.Duration
}

// Dial connects to the TNC.
func (t TCP) Dial(ctx context.Context) (io.ReadWriteCloser, error) {
	d := net.Dialer{Timeout: t.Timeout}
	if d.Timeout == 0 {
		d.Timeout = 10 * time.Second
	}
	c, err := d.DialContext(ctx, "tcp", t.addr())
	if err != nil {
		return nil, fmt.Errorf("tnc: %w", err)
	}
	return c, nil
}

func (t TCP) addr() string {
	if t.Addr == "" {
		return DefaultTCPAddr
	}
	return t.Addr
}

// String names the link for logs: "tcp HOST:PORT".
func (t TCP) String() string { return "tcp " + t.addr() }

// Serial opens a hardware TNC on a serial port with github.com/tarm/serial.
type Serial struct {
	// Device is the port's path, e.g. /dev/ttyUSB0 or a stable
	// /dev/serial/by-id/... link.
	Device string
	// Baud is the serial line's rate (the TNC's, not the radio's); 9600
	// when zero.
	Baud int
	// ReadTimeout bounds each read so that Close never hangs on a quiet
	// line; 250 ms when zero. tarm/serial rounds it to 0.1 s steps.
	ReadTimeout time.Duration
}

// DefaultReadTimeout is the serial read timeout when none is set.
const DefaultReadTimeout = 250 * time.Millisecond

// Dial opens and configures the port (8N1, raw).
func (s Serial) Dial(ctx context.Context) (io.ReadWriteCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &serial.Config{Name: s.Device, Baud: s.Baud, ReadTimeout: s.ReadTimeout}
	if c.Baud == 0 {
		c.Baud = 9600
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	p, err := serial.OpenPort(c)
	if err != nil {
		return nil, fmt.Errorf("tnc: open %s at %d baud (the TNC's serial rate, e.g. 9600 or 115200): %w", s.Device, c.Baud, err)
	}
	return &serialConn{port: p, path: s.Device, timeout: c.ReadTimeout}, nil
}

// String names the link for logs: "serial DEVICE".
func (s Serial) String() string { return "serial " + s.Device }

// ErrDeviceGone reports a serial device that disappeared (unplugged) or
// hung up.
var ErrDeviceGone = errors.New("tnc: serial device gone")

// serialConn turns tarm/serial's read timeouts into waiting: a read that
// times out returns (0, io.EOF), which means "idle", not end of stream.
type serialConn struct {
	port    *serial.Port
	path    string
	timeout time.Duration
	closed  atomic.Bool
}

// hangupReads is how many reads in a row may return nothing well before
// the timeout before the line counts as hung up (a tty whose device went
// away returns 0 at once, forever).
const hangupReads = 3

// Read blocks until at least one octet arrives, the port is closed, or the
// device fails or disappears.
func (c *serialConn) Read(p []byte) (int, error) {
	fast := 0
	for {
		start := time.Now()
		n, err := c.port.Read(p)
		if n > 0 {
			return n, nil
		}
		if c.closed.Load() {
			return 0, net.ErrClosed
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("tnc: serial: %w", err)
		}
		// Idle. A device that vanished leaves no node behind, or
		// returns at once instead of after the timeout.
		if _, err := os.Stat(c.path); err != nil {
			return 0, fmt.Errorf("tnc: %s: %w: %w", c.path, ErrDeviceGone, err)
		}
		if time.Since(start) < c.timeout/2 {
			if fast++; fast >= hangupReads {
				return 0, fmt.Errorf("tnc: %s hung up: %w", c.path, ErrDeviceGone)
			}
		} else {
			fast = 0
		}
	}
}

func (c *serialConn) Write(p []byte) (int, error) {
	n, err := c.port.Write(p)
	if err != nil {
		return n, fmt.Errorf("tnc: serial: %w", err)
	}
	return n, nil
}

// Close closes the port; it waits for a pending read, at most one read
// timeout.
func (c *serialConn) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	return c.port.Close()
}
