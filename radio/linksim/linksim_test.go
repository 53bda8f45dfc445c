package linksim

import (
	"math"
	"testing"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/radio/link"
)

var sf9 = lora.Modem{SF: lora.SF9, Bandwidth: lora.BW125, CodingRate: lora.CR4_5, Preamble: 8, CRC: true}

// TestIssueFigure is the issue's target: a 300-byte transaction over a
// one-way SF9/BW125 link with 20 % independent frame loss is delivered in
// at least 99 % of 1,000 trials with an airtime ratio of at most 2.7. The
// planner, asked for 99.5 %, sends 3 data and 4 parity fragments of 100
// bytes (predicted 99.53 %, R 2.67); asked for 99 % it sends 2 + 3 of 150
// bytes (99.33 %, R 2.63), whose 1,000-trial figure falls below 990 for
// about one seed in seven.
func TestIssueFigure(t *testing.T) {
	trials := 1000
	if testing.Short() {
		trials = 200
	}
	res, err := Run(t.Context(), Config{Size: 300, Loss: 0.2, Trials: trials, MTU: 255, Airtime: sf9.Airtime,
		Redundancy: link.Redundancy{Loss: 0.2, Target: 0.995}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("delivered %d/%d, airtime ratio %.3f, plan %+v", res.Delivered, res.Trials, res.Ratio(), res.Plan)
	if res.Ratio() > 2.7 {
		t.Errorf("airtime ratio %.3f above 2.7", res.Ratio())
	}
	if !testing.Short() && res.DeliveryRate() < 0.99 {
		t.Errorf("delivered %d/%d, below 99 %%", res.Delivered, res.Trials)
	}
}

// TestNoLossNoRedundancy: without loss and without parity every message
// arrives and R is the protocol's own overhead only.
func TestNoLossNoRedundancy(t *testing.T) {
	res, err := Run(t.Context(), Config{Size: 300, Trials: 20, MTU: 255, Airtime: sf9.Airtime, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Delivered != 20 || res.Ratio() < 1 || res.Ratio() > 1.1 {
		t.Fatalf("delivered %d/20, R %.3f", res.Delivered, res.Ratio())
	}
}

// TestSameSeedSameFigures: runs are reproducible.
func TestSameSeedSameFigures(t *testing.T) {
	c := Config{Size: 300, Loss: 0.4, Trials: 100, MTU: 255, Airtime: sf9.Airtime, Redundancy: link.Redundancy{Extra: 2}, Seed: 9}
	a, err := Run(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Run(t.Context(), c)
	if a != b {
		t.Fatalf("two runs differ: %+v and %+v", a, b)
	}
}

// TestTwoWay: with acknowledgements, the sender repeats passes of new
// fragments until acknowledged, so nearly everything arrives and is
// acknowledged even with little parity per pass.
func TestTwoWay(t *testing.T) {
	res, err := Run(t.Context(), Config{Size: 300, Loss: 0.2, Trials: 200, MTU: 255, Airtime: sf9.Airtime,
		Redundancy: link.Redundancy{Loss: 0.2, Target: 0.9}, TwoWay: true, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("delivered %d, acked %d of %d, passes %d, R %.3f, ack R %.3f", res.Delivered, res.Acked, res.Trials, res.Passes, res.Ratio(), res.AckRatio())
	if res.Delivered != res.Trials || res.Acked < res.Trials-1 {
		t.Fatalf("delivered %d, acked %d of %d", res.Delivered, res.Acked, res.Trials)
	}
	if res.Passes <= res.Trials || res.Ratio() > 2.7 {
		t.Fatalf("%d passes for %d trials, R %.3f", res.Passes, res.Trials, res.Ratio())
	}
}

// TestDeliveryMatchesPrediction: over many trials the delivery rate is the
// binomial prediction of the plan, for plans of 2, 3 and 4 data fragments.
// A plan whose failures leave many partial messages behind (4 of 6 loses
// one message in ten) once measured 46 % instead of 90 %: the simulation
// sent messages back to back, so unfinished ones filled the receiver's
// reassembly table instead of going stale between messages as on the air.
func TestDeliveryMatchesPrediction(t *testing.T) {
	for _, target := range []float64{0.9, 0.99, 0.995} {
		res, err := Run(t.Context(), Config{Size: 300, Loss: 0.2, Trials: 1000, MTU: 255, Airtime: sf9.Airtime,
			Redundancy: link.Redundancy{Loss: 0.2, Target: target}, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		// Three standard deviations of a binomial over 1,000 trials.
		p := res.Plan.Delivery
		sd := math.Sqrt(p * (1 - p) / float64(res.Trials))
		if got := res.DeliveryRate(); math.Abs(got-p) > 3*sd+0.001 {
			t.Errorf("target %v, plan %d of %d: delivered %.3f, predicted %.3f", target, res.Plan.K, res.Plan.N, got, p)
		}
	}
}
