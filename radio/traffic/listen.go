package traffic

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/altnet/altnet/internal/clock"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
)

// Incoming is a message received on a driver.
type Incoming struct {
	// Frame is the frame that completed the message: which driver heard
	// it, when, and with what signal.
	Frame radio.Frame
	link.Received
}

// Listener says what Listen listens to.
type Listener struct {
	Drivers []radio.Driver
	// Receiver rebuilds the messages; one for all drivers, so fragments
	// heard on different drivers combine. It counts dropped frames.
	Receiver *link.Receiver
	Clock    clock.Clock
	Logger   *slog.Logger
}

// Listen receives frames on every driver that can receive and calls
// deliver for each message rebuilt, from that driver's goroutine. It
// returns when ctx is done. A driver whose Receive fails (a supervised
// driver restarting) is asked again after a pause; a closed driver is
// left alone.
func Listen(ctx context.Context, l Listener, deliver func(Incoming)) {
	if l.Logger == nil {
		l.Logger = slog.New(slog.DiscardHandler)
	}
	l.Clock = clock.OrReal(l.Clock)
	var wg sync.WaitGroup
	for _, d := range l.Drivers {
		if !d.Capabilities().Direction.CanReceive() {
			continue
		}
		wg.Go(func() { l.listenOne(ctx, d, deliver) })
	}
	wg.Wait()
}

func (l Listener) listenOne(ctx context.Context, d radio.Driver, deliver func(Incoming)) {
	r, log := l.Receiver, l.Logger
	retry := minRetry
	for {
		f, err := d.Receive(ctx)
		switch {
		case ctx.Err() != nil || errors.Is(err, radio.ErrClosed):
			return
		case err != nil:
			log.Warn("traffic: receive failed", "driver", d.Name(), "err", err)
			pause(ctx, l.Clock, retry)
			retry = min(2*retry, maxRetry)
			continue
		}
		retry = minRetry
		got, ok, err := r.Accept(f.Payload, f.Time)
		if err != nil {
			log.Debug("traffic: frame dropped", "driver", d.Name(), "err", err)
		}
		if ok {
			deliver(Incoming{Frame: f, Received: got})
		}
	}
}

// pause waits d on clk or until ctx is done.
func pause(ctx context.Context, clk clock.Clock, d time.Duration) {
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.Chan():
	case <-ctx.Done():
	}
}
