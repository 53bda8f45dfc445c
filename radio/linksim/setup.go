package linksim

import (
	"context"
	"crypto/sha256"
	"errors"
	"runtime"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/radio/simdriver"
)

// end is one side of the link: its driver, receiver and encoder.
type end struct {
	name  string
	d     *simdriver.Driver
	r     *link.Receiver
	enc   link.Encoder
	sent  int // frames this end sent
	heard int // frames taken from its driver
}

// setup is a gateway (the sender) and a receiver on one link.
type setup struct {
	clk    *clockwork.FakeClock
	m      *medium.Medium
	gw, rx *end
}

func newSetup(c Config) (*setup, error) {
	s := &setup{clk: clockwork.NewFakeClockAt(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
	s.m = medium.New(medium.Options{Clock: s.clk, Seed: c.Seed})
	gwDir, rxDir := radio.TransmitOnly, radio.ReceiveOnly
	if c.TwoWay {
		gwDir, rxDir = radio.TwoWay, radio.TwoWay
	}
	var err error
	if s.gw, err = s.newEnd(c, "gateway", gwDir); err != nil {
		return nil, err
	}
	if s.rx, err = s.newEnd(c, "receiver", rxDir); err != nil {
		s.gw.d.Close()
		return nil, err
	}
	l := medium.Link{Loss: c.Loss}
	if c.Burst > 0 {
		l = medium.Link{FadeSlot: c.Burst, FadeProb: c.Loss, FadeLoss: 1}
	}
	s.m.Connect("gateway", "receiver", l)
	if c.TwoWay {
		s.m.Connect("receiver", "gateway", l)
	}
	return s, nil
}

func (s *setup) newEnd(c Config, name string, dir radio.Direction) (*end, error) {
	d, err := simdriver.Open(simdriver.Options{Name: name, Medium: s.m, Channel: channel, Direction: dir,
		MTU: c.MTU, Airtime: c.Airtime, RxQueue: link.MaxFragments})
	if err != nil {
		return nil, err
	}
	r, err := link.NewReceiver(link.Mainnet, link.DefaultLimits)
	if err != nil {
		return nil, err
	}
	return &end{name: name, d: d, r: r, enc: link.Encoder{Network: link.Mainnet, MTU: c.MTU, Airtime: c.Airtime, Redundancy: c.Redundancy}}, nil
}

func (s *setup) close() {
	s.gw.d.Close()
	s.rx.d.Close()
}

// trial sends one transaction and reports what happened.
func (s *setup) trial(ctx context.Context, out *link.Outgoing, data []byte, c Config) (outcome, error) {
	var t outcome
	passes := 1
	if c.TwoWay {
		passes = c.MaxPasses
		if passes <= 0 {
			passes = 8
		}
	}
	for ; t.passes < passes && !t.acked; t.passes++ {
		spent, err := s.transmit(ctx, s.gw, out, t.passes)
		t.spent += spent
		if err != nil {
			return t, err
		}
		ack, err := s.hear(ctx, s.rx, s.gw, out.ID, &t.delivered)
		if err != nil || !c.TwoWay {
			return t, err
		}
		if ack {
			if t.acked, err = s.acknowledge(ctx, data, &t.ackSpent); err != nil {
				return t, err
			}
		}
	}
	return t, nil
}

// transmit sends pass number pass of out from e.
func (s *setup) transmit(ctx context.Context, e *end, out *link.Outgoing, pass int) (time.Duration, error) {
	frames, err := out.Frames(pass)
	if err != nil {
		return 0, err
	}
	var spent time.Duration
	for _, f := range frames {
		if err := s.send(ctx, e, f); err != nil {
			return spent, err
		}
		spent += e.d.Airtime(len(f))
	}
	return spent, nil
}

// hear lets e process what from sent: it reports whether the message id
// was rebuilt now (setting *delivered) or heard again after that, either
// of which calls for an acknowledgement.
func (s *setup) hear(ctx context.Context, e, from *end, id [link.IDSize]byte, delivered *bool) (bool, error) {
	frames, err := s.drain(ctx, e, from)
	if err != nil {
		return false, err
	}
	again := false
	for _, f := range frames {
		got, ok, err := e.r.Accept(f.Payload, f.Time)
		switch {
		case ok && got.ID == id:
			*delivered, again = true, true
		case errors.Is(err, link.ErrDuplicate) && *delivered:
			again = true
		}
	}
	return again, nil
}

// acknowledge sends the receiver's acknowledgement and reports whether the
// gateway heard it.
func (s *setup) acknowledge(ctx context.Context, data []byte, spent *time.Duration) (bool, error) {
	ack := link.TxAck{Status: link.AckAccepted}
	first := sha256.Sum256(data)
	txid := sha256.Sum256(first[:])
	copy(ack.ShortID[:], txid[:])
	out, err := s.rx.enc.Encode(ack)
	if err != nil {
		return false, err
	}
	d, err := s.transmit(ctx, s.rx, out, 0)
	*spent += d
	if err != nil {
		return false, err
	}
	var heard bool
	_, err = s.hear(ctx, s.gw, s.rx, out.ID, &heard)
	return heard, err
}

// send transmits one frame from e: the driver waits its airtime on the
// fake clock, which this goroutine advances once the driver's timer and
// the medium's delivery timer are set.
func (s *setup) send(ctx context.Context, e *end, frame []byte) error {
	errc := make(chan error, 1)
	go func() { errc <- e.d.Send(ctx, frame) }()
	if err := s.clk.BlockUntilContext(ctx, 2); err != nil {
		return err
	}
	s.clk.Advance(e.d.Airtime(len(frame)))
	e.sent++
	return <-errc
}

// drain waits until the medium has judged at e every frame from sent and
// returns the ones e's driver queued.
func (s *setup) drain(ctx context.Context, e, from *end) ([]radio.Frame, error) {
	var ds simdriver.Stats
	for {
		ms := s.m.Stats(e.name)
		ds = e.d.Stats()
		if ms.Lost+ms.Missed+ms.Collided+ds.Received+ds.BadCRC+ds.Overflow >= from.sent {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		runtime.Gosched()
	}
	var frames []radio.Frame
	for ; e.heard < ds.Received; e.heard++ {
		f, err := e.d.Receive(ctx)
		if err != nil {
			return nil, err
		}
		frames = append(frames, f)
	}
	return frames, nil
}
