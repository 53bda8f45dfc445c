// Package linksim measures the link protocol over the simulated medium:
// Monte-Carlo trials of one message sent over a lossy one-way link, with
// the real encoder, the generic medium driver on both ends, and the real
// receiver and reassembly. It backs `altnet sim link`.
//
// Time is a fake clock that the trial loop advances itself, by exactly
// each frame's airtime, so a thousand trials of LoRa airtime run in well
// under a second and every run with one seed gives the same figures.
package linksim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/radio/simdriver"
)

// Config is one experiment.
type Config struct {
	// Size is the length of the transaction in bytes (its compressed
	// form, as the link carries it).
	Size int
	// Loss is the probability that the link loses a frame.
	Loss float64
	// Trials is the number of messages sent.
	Trials int
	// MTU and Airtime describe the driver (for LoRa: 255 and
	// lora.Modem.Airtime).
	MTU     int
	Airtime func(n int) time.Duration
	// Redundancy is the driver's forward error correction.
	Redundancy link.Redundancy
	Seed       uint64
}

// Result is what an experiment measured.
type Result struct {
	Trials, Delivered int
	// Plan is the encoder's plan for the message.
	Plan link.Plan
	// Spent is the airtime of every frame sent; Baseline is the airtime of
	// sending the message once, uncoded, in MTU-sized frames.
	Spent, Baseline time.Duration
}

// Ratio returns the airtime ratio R: airtime spent per trial over the
// baseline.
func (r Result) Ratio() float64 {
	if r.Trials == 0 || r.Baseline == 0 {
		return 0
	}
	return float64(r.Spent) / float64(r.Trials) / float64(r.Baseline)
}

// DeliveryRate returns Delivered/Trials.
func (r Result) DeliveryRate() float64 {
	if r.Trials == 0 {
		return 0
	}
	return float64(r.Delivered) / float64(r.Trials)
}

// Baseline returns the airtime of size bytes sent once in frames of at
// most mtu bytes, with no protocol overhead.
func Baseline(size, mtu int, airtime func(int) time.Duration) time.Duration {
	var d time.Duration
	for ; size > mtu; size -= mtu {
		d += airtime(mtu)
	}
	return d + airtime(size)
}

var channel = medium.Channel{Frequency: 869_525_000, Modulation: "linksim"}

// Run performs the trials.
func Run(ctx context.Context, c Config) (Result, error) {
	if c.Size <= 0 || c.Trials <= 0 || c.Airtime == nil {
		return Result{}, fmt.Errorf("linksim: size %d, trials %d", c.Size, c.Trials)
	}
	s, err := newSetup(c)
	if err != nil {
		return Result{}, err
	}
	defer s.close()
	res := Result{Trials: c.Trials, Baseline: Baseline(c.Size, c.MTU, c.Airtime)}
	rng := rand.New(rand.NewPCG(c.Seed, 0x6c696e6b73696d))
	for i := range c.Trials {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		data := make([]byte, c.Size)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		out, err := s.enc.Encode(link.Tx{Data: data})
		if err != nil {
			return res, err
		}
		res.Plan = out.Plan
		ok, spent, err := s.trial(ctx, out)
		if err != nil {
			return res, fmt.Errorf("linksim: trial %d: %w", i, err)
		}
		res.Spent += spent
		if ok {
			res.Delivered++
		}
	}
	return res, nil
}

// setup is a gateway and a receiver on a one-way link.
type setup struct {
	clk    *clockwork.FakeClock
	m      *medium.Medium
	gw, rx *simdriver.Driver
	r      *link.Receiver
	enc    link.Encoder
	sent   int // frames sent
	heard  int // frames taken from the receiving driver
}

func newSetup(c Config) (*setup, error) {
	s := &setup{clk: clockwork.NewFakeClockAt(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
	s.m = medium.New(medium.Options{Clock: s.clk, Seed: c.Seed})
	var err error
	open := func(name string, dir radio.Direction) *simdriver.Driver {
		var d *simdriver.Driver
		if err == nil {
			d, err = simdriver.Open(simdriver.Options{Name: name, Medium: s.m, Channel: channel, Direction: dir,
				MTU: c.MTU, Airtime: c.Airtime, RxQueue: link.MaxFragments})
		}
		return d
	}
	s.gw, s.rx = open("gateway", radio.TransmitOnly), open("receiver", radio.ReceiveOnly)
	if err != nil {
		return nil, err
	}
	s.m.Connect("gateway", "receiver", medium.Link{Loss: c.Loss})
	lim := link.DefaultLimits
	lim.MaxAge = 24 * time.Hour
	if s.r, err = link.NewReceiver(link.Mainnet, lim); err != nil {
		return nil, err
	}
	s.enc = link.Encoder{Network: link.Mainnet, MTU: c.MTU, Airtime: c.Airtime, Redundancy: c.Redundancy}
	return s, nil
}

func (s *setup) close() {
	s.gw.Close()
	s.rx.Close()
}

// trial sends one message and reports whether the receiver rebuilt it.
func (s *setup) trial(ctx context.Context, out *link.Outgoing) (bool, time.Duration, error) {
	frames, err := out.Frames(0)
	if err != nil {
		return false, 0, err
	}
	var spent time.Duration
	for _, f := range frames {
		if err := s.send(ctx, f); err != nil {
			return false, spent, err
		}
		spent += s.gw.Airtime(len(f))
	}
	heard, err := s.drain(ctx)
	if err != nil {
		return false, spent, err
	}
	delivered := false
	for _, f := range heard {
		got, ok, _ := s.r.Accept(f.Payload, f.Time)
		delivered = delivered || (ok && got.ID == out.ID)
	}
	return delivered, spent, nil
}

// send transmits one frame: the driver waits its airtime on the fake
// clock, which this goroutine advances once the driver's timer and the
// medium's delivery timer are set.
func (s *setup) send(ctx context.Context, frame []byte) error {
	errc := make(chan error, 1)
	go func() { errc <- s.gw.Send(ctx, frame) }()
	if err := s.clk.BlockUntilContext(ctx, 2); err != nil {
		return err
	}
	s.clk.Advance(s.gw.Airtime(len(frame)))
	s.sent++
	return <-errc
}

// drain waits until the medium has judged every frame sent and returns
// the ones the receiving driver queued.
func (s *setup) drain(ctx context.Context) ([]radio.Frame, error) {
	var rs simdriver.Stats
	for {
		ms := s.m.Stats("receiver")
		rs = s.rx.Stats()
		if ms.Lost+ms.Missed+ms.Collided+rs.Received+rs.BadCRC+rs.Overflow >= s.sent {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		runtime.Gosched()
	}
	var frames []radio.Frame
	for ; s.heard < rs.Received; s.heard++ {
		f, err := s.rx.Receive(ctx)
		if err != nil {
			return nil, err
		}
		frames = append(frames, f)
	}
	return frames, nil
}
