package main

import (
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/linksim"
)

// simCommand groups the simulations.
func simCommand() *command {
	return &command{
		name:    "sim",
		summary: "simulations over the simulated medium",
		subs:    []*command{simDemoCommand(), simLinkCommand()},
	}
}

type simLinkFlags struct {
	size, trials, sf, cr, mtu, parity, passes int
	loss, bw, target                          float64
	oneway                                    bool
	seed                                      uint64
	burst                                     time.Duration
}

func simLinkCommand() *command {
	var f simLinkFlags
	return &command{
		name:    "link",
		summary: "delivery and airtime of one message over a lossy LoRa link",
		long: `Sends a transaction of --size bytes --trials times over a simulated LoRa
link that loses each frame with probability --loss, with the real link
encoder, Reed-Solomon parity and reassembly, and prints "delivered D/N,
airtime ratio R": R is the airtime spent per message over the airtime of
sending it once, uncoded, in MTU-sized frames. The encoder plans the
cheapest fragmentation that reaches --target (or uses --parity extra
fragments). With --oneway the sender transmits once; without it the
receiver acknowledges over the same lossy link and the sender sends further
passes of new fragments until acknowledged (at most --passes). A
delivery-versus-redundancy table follows, to choose from.`,
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&f.size, "size", 300, "transaction size in `bytes`")
			fs.Float64Var(&f.loss, "loss", 0.2, "probability that a frame is lost")
			fs.IntVar(&f.trials, "trials", 1000, "number of messages sent")
			fs.BoolVar(&f.oneway, "oneway", false, "one-way link: no acknowledgements, parity only")
			fs.IntVar(&f.passes, "passes", 8, "two-way links: most transmissions of one message")
			fs.IntVar(&f.sf, "sf", 9, "LoRa spreading factor, 6..12")
			fs.Float64Var(&f.bw, "bw", 125, "LoRa bandwidth in `kHz`")
			fs.IntVar(&f.cr, "cr", 5, "LoRa coding rate 4/`N`, N = 5..8")
			fs.IntVar(&f.mtu, "mtu", 255, "largest frame in `bytes`")
			fs.Float64Var(&f.target, "target", 0.995, "delivery probability the encoder plans for")
			fs.IntVar(&f.parity, "parity", -1, "fixed number of extra fragments instead of --target")
			fs.Uint64Var(&f.seed, "seed", 1, "random seed (loss pattern and message contents)")
			fs.DurationVar(&f.burst, "burst", 0, "lose frames in fades of this `duration` (same mean loss) instead of independently")
		},
		run: func(e *env, args []string) error {
			if err := noArgs("altnet sim link", args); err != nil {
				return err
			}
			return runSimLink(e, f)
		},
	}
}

func (f simLinkFlags) modem() (lora.Modem, error) {
	bw, err := lora.BandwidthFromKHz(f.bw)
	if err != nil {
		return lora.Modem{}, usagef("altnet sim link: --bw: %v", err)
	}
	m := lora.Modem{SF: lora.SpreadingFactor(f.sf), Bandwidth: bw, CodingRate: lora.CodingRate(f.cr - 4), Preamble: 8, CRC: true}
	if err := m.Validate(); err != nil {
		return lora.Modem{}, usagef("altnet sim link: %v", err)
	}
	return m, nil
}

func (f simLinkFlags) config(m lora.Modem) (linksim.Config, error) {
	r := link.Redundancy{Loss: f.loss, Target: f.target}
	if f.parity >= 0 {
		r = link.Redundancy{Loss: f.loss, Extra: f.parity}
	}
	c := linksim.Config{Size: f.size, Loss: f.loss, Trials: f.trials, MTU: f.mtu, Airtime: m.Airtime, Redundancy: r,
		TwoWay: !f.oneway, MaxPasses: f.passes, Seed: f.seed, Burst: f.burst}
	switch {
	case f.burst < 0:
		return c, usagef("altnet sim link: negative --burst")
	case f.passes < 1 || f.passes > 64:
		return c, usagef("altnet sim link: --passes %d not in 1..64", f.passes)
	case f.size < 1 || f.size > link.MaxMessage:
		return c, usagef("altnet sim link: --size %d not in 1..%d", f.size, link.MaxMessage)
	case f.trials < 1:
		return c, usagef("altnet sim link: --trials %d below 1", f.trials)
	case f.mtu < link.FragmentOverhead+1 || f.mtu > 255:
		return c, usagef("altnet sim link: --mtu %d not in %d..255 (the SX127x FIFO)", f.mtu, link.FragmentOverhead+1)
	}
	if err := r.Validate(); err != nil {
		return c, usagef("altnet sim link: %v", err)
	}
	return c, nil
}

func runSimLink(e *env, f simLinkFlags) error {
	m, err := f.modem()
	if err != nil {
		return err
	}
	c, err := f.config(m)
	if err != nil {
		return err
	}
	res, err := linksim.Run(e.ctx, c)
	if err != nil {
		return err
	}
	way := "one-way"
	if c.TwoWay {
		way = "two-way"
	}
	loss := "independent"
	if f.burst > 0 {
		loss = "in " + f.burst.String() + " fades"
	}
	fmt.Fprintf(e.stdout, "%d-byte transaction, %s %v/%v/CR%v, MTU %d, %.0f%% frame loss %s, seed %d\n",
		f.size, way, m.SF, m.Bandwidth, m.CodingRate, f.mtu, 100*f.loss, loss, f.seed)
	fmt.Fprintf(e.stdout, "plan: %s, predicted delivery %.2f%% per pass\n", describePlan(res.Plan), 100*res.Plan.Delivery)
	fmt.Fprintf(e.stdout, "delivered %d/%d, airtime ratio %.3f\n", res.Delivered, res.Trials, res.Ratio())
	if c.TwoWay {
		fmt.Fprintf(e.stdout, "acknowledged %d/%d after %.2f passes on average, acknowledgement airtime ratio %.3f\n",
			res.Acked, res.Trials, float64(res.Passes)/float64(res.Trials), res.AckRatio())
	}
	fmt.Fprintln(e.stdout)
	return simLinkCurve(e, c, res.Plan)
}

func describePlan(p link.Plan) string {
	if p.Whole {
		return fmt.Sprintf("%d copies of a %d-byte frame", p.Copies, p.FrameLen)
	}
	return fmt.Sprintf("%d data + %d parity fragments of %d bytes (%d-byte frames)", p.K, p.N-p.K, p.Shard, p.FrameLen)
}

// simLinkCurve prints delivery against redundancy: fixed parity counts
// over the fewest fragments, then the encoder's plans for a few targets.
func simLinkCurve(e *env, c linksim.Config, p link.Plan) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(e.stdout, "delivery versus redundancy:")
	fmt.Fprintln(tw, "redundancy\tplan\tairtime ratio\tdelivered\tpredicted\t")
	row := func(label string, r link.Redundancy) error {
		c.Redundancy = r
		res, err := linksim.Run(e.ctx, c)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.1f%%\t%.2f%%\t\n", label, shortPlan(res.Plan), res.Ratio(), 100*res.DeliveryRate(), 100*res.Plan.Delivery)
		return nil
	}
	for extra := 0; extra <= 6; extra++ {
		if err := row(fmt.Sprintf("+%d", extra), link.Redundancy{Loss: c.Loss, Extra: extra}); err != nil {
			return err
		}
	}
	for _, t := range []float64{0.9, 0.99, 0.995, 0.999} {
		if err := row(fmt.Sprintf("target %g%%", 100*t), link.Redundancy{Loss: c.Loss, Target: t}); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func shortPlan(p link.Plan) string {
	if p.Whole {
		return fmt.Sprintf("%d copies", p.Copies)
	}
	return fmt.Sprintf("%d of %d", p.K, p.N)
}
