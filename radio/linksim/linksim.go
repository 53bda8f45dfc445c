// Package linksim measures the link protocol over the simulated medium:
// Monte-Carlo trials of one transaction sent over a lossy link, with the
// real encoder, the generic medium driver on both ends, and the real
// receiver and reassembly. On a one-way link the sender transmits once; on
// a two-way link the receiver acknowledges (link.TxAck) what it rebuilt,
// again on acknowledging fragments of a transaction it already has, and the
// sender transmits further passes of new fragments until acknowledged. It
// backs `altnet sim link`.
//
// Time is a fake clock that the trial loop advances itself, by exactly
// each frame's airtime, so a thousand trials of LoRa airtime run in well
// under a second and every run with one seed gives the same figures.
package linksim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
)

// Config is one experiment.
type Config struct {
	// Size is the length of the transaction in bytes (its compressed
	// form, as the link carries it).
	Size int
	// Loss is the probability that the link loses a frame.
	Loss float64
	// Burst, when positive, makes the same mean loss come in bursts: time
	// is cut into slots of Burst, a fraction Loss of which lose every frame
	// (medium.Link fading) while the others lose none.
	Burst time.Duration
	// Trials is the number of messages sent.
	Trials int
	// MTU and Airtime describe the driver (for LoRa: 255 and
	// lora.Modem.Airtime).
	MTU     int
	Airtime func(n int) time.Duration
	// Redundancy is the forward error correction of both ends.
	Redundancy link.Redundancy
	// TwoWay makes the link carry acknowledgements back; MaxPasses bounds
	// the sender's transmissions of one transaction (default 8).
	TwoWay    bool
	MaxPasses int
	Seed      uint64
}

// Result is what an experiment measured.
type Result struct {
	Trials, Delivered int
	// Plan is the encoder's plan for the message.
	Plan link.Plan
	// Spent is the airtime of every frame the sender sent; Baseline is the
	// airtime of sending the message once, uncoded, in MTU-sized frames.
	Spent, Baseline time.Duration
	// Two-way links only: transactions whose acknowledgement reached the
	// sender, the passes sent, and the airtime of the acknowledgements.
	Acked, Passes int
	AckSpent      time.Duration
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
		out, err := s.gw.enc.Encode(link.Tx{Data: data})
		if err != nil {
			return res, err
		}
		res.Plan = out.Plan
		// Messages follow each other minutes apart on a duty-cycled
		// radio: a message that lost too many fragments goes stale in
		// the receiver (link.Limits.MaxIdle) before the next arrives,
		// as it would on the air, instead of piling up until the
		// reassembly table is full.
		s.clk.Advance(link.DefaultLimits.MaxIdle)
		t, err := s.trial(ctx, out, data, c)
		if err != nil {
			return res, fmt.Errorf("linksim: trial %d: %w", i, err)
		}
		res.add(t)
	}
	return res, nil
}

// outcome is one trial's result.
type outcome struct {
	delivered, acked bool
	passes           int
	spent, ackSpent  time.Duration
}

func (r *Result) add(t outcome) {
	r.Spent += t.spent
	r.AckSpent += t.ackSpent
	r.Passes += t.passes
	if t.delivered {
		r.Delivered++
	}
	if t.acked {
		r.Acked++
	}
}

// AckRatio returns the acknowledgements' airtime per trial over the
// baseline.
func (r Result) AckRatio() float64 {
	if r.Trials == 0 || r.Baseline == 0 {
		return 0
	}
	return float64(r.AckSpent) / float64(r.Trials) / float64(r.Baseline)
}
