package proc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/altnet/altnet/radio"
)

// Serve runs the child's side of the pipe for drv: it announces the driver,
// forwards received frames, state changes and budget reports to out, and
// performs the sends and answers the pings read from in. It returns when
// in ends (the core closed the pipe or died), ctx is done, or the pipe
// breaks; it closes drv on return.
func Serve(ctx context.Context, drv radio.Driver, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer drv.Close()
	if cl, ok := in.(io.Closer); ok {
		// Unblock the read below when the driver ends the child.
		stop := context.AfterFunc(ctx, func() { cl.Close() })
		defer stop()
	}
	c := &child{drv: drv, out: out}
	if err := c.hello(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { c.forwardFrames(ctx, cancel) })
	wg.Go(func() { c.forwardEvents(ctx) })
	return c.serveRequests(ctx, in)
}

type child struct {
	drv radio.Driver
	mu  sync.Mutex // one writer at a time
	out io.Writer
	err error // first write error
	// sendMu keeps sends in order; the core sends one frame at a time.
	sendMu sync.Mutex
}

func (c *child) write(t msgType, payload []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if _, err := c.out.Write(appendMsg(nil, t, payload)); err != nil {
		c.err = fmt.Errorf("proc: write to core: %w", err)
	}
	return c.err
}

func (c *child) hello() error {
	caps := c.drv.Capabilities()
	if caps.MTU < 1 || caps.MTU > MaxMTU {
		return fmt.Errorf("proc: driver %s: MTU %d not in 1..%d", c.drv.Name(), caps.MTU, MaxMTU)
	}
	h := hello{name: c.drv.Name(), caps: caps, budget: c.drv.Budget(), airtime: make([]time.Duration, caps.MTU+1)}
	for n := range h.airtime {
		h.airtime[n] = c.drv.Airtime(n)
	}
	return c.write(msgHello, appendHello(nil, h))
}

func (c *child) forwardFrames(ctx context.Context, cancel func()) {
	for {
		f, err := c.drv.Receive(ctx)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				cancel() // the driver closed: end the child
			}
			return
		}
		if c.write(msgFrame, appendFrame(nil, f)) != nil {
			cancel()
			return
		}
	}
}

func (c *child) forwardEvents(ctx context.Context) {
	for {
		select {
		case ev := <-c.drv.Events():
			c.write(msgState, appendState(nil, ev.State, ev.Err))
		case <-ctx.Done():
			return
		}
	}
}

// serveRequests reads the core's messages until in ends.
func (c *child) serveRequests(ctx context.Context, in io.Reader) error {
	r := newReader(in)
	var sends sync.WaitGroup
	defer sends.Wait()
	for {
		t, p, err := r.next()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return fmt.Errorf("proc: read from core: %w", err)
		case t == msgPing && len(p) == 4:
			if err := c.write(msgPong, p); err != nil {
				return err
			}
		case t == msgSend && len(p) >= 4:
			seq, payload := binary.LittleEndian.Uint32(p), append([]byte(nil), p[4:]...)
			sends.Go(func() { c.send(ctx, seq, payload) })
		default:
			return fmt.Errorf("%w: message type %d of %d bytes from core", ErrProtocol, t, len(p))
		}
	}
}

// send performs one send and reports its result and the budget after it.
func (c *child) send(ctx context.Context, seq uint32, payload []byte) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	err := c.drv.Send(ctx, payload)
	c.write(msgSent, appendSent(nil, sentOf(seq, err)))
	c.write(msgBudget, appendBudget(nil, c.drv.Budget()))
}
