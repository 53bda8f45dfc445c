package link

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Redundancy says how much forward error correction a driver's messages
// carry. It is configured per driver: a one-way LoRa broadcast wants parity
// for its measured loss; a two-way link with acknowledgements may want
// none.
type Redundancy struct {
	// Loss is the expected probability that a frame is lost, 0 <= Loss < 1.
	Loss float64
	// Target is the probability wanted that one transmission of a message
	// can be rebuilt when frames are lost independently with probability
	// Loss. The plan with the least airtime that reaches it is chosen.
	// When Target is zero, Extra is used instead.
	Target float64
	// Extra is a fixed number of extra frames per message: parity
	// fragments of a fragmented message, or repeated copies of a message
	// that fits one frame. Used when Target is zero.
	Extra int
}

// Validate checks the ranges of the fields.
func (r Redundancy) Validate() error {
	switch {
	case !(r.Loss >= 0 && r.Loss < 1):
		return fmt.Errorf("link: loss %v not in [0, 1)", r.Loss)
	case !(r.Target >= 0 && r.Target < 1):
		return fmt.Errorf("link: delivery target %v not in [0, 1)", r.Target)
	case r.Extra < 0 || r.Extra >= MaxFragments:
		return fmt.Errorf("link: %d extra frames not in 0..%d", r.Extra, MaxFragments-1)
	}
	return nil
}

// MaxCopies bounds how often a whole frame is repeated in one transmission.
const MaxCopies = 16

// Plan is how one message goes on the air.
type Plan struct {
	// Whole is set when the message travels in whole frames, Copies times.
	Whole  bool
	Copies int
	// K data fragments of Shard bytes and N fragments in all (N-K parity),
	// when not Whole.
	K, N, Shard int
	// FrameLen is the length of each frame.
	FrameLen int
	// Airtime is the airtime of one transmission: all its frames.
	Airtime time.Duration
	// Delivery is the predicted probability that one transmission can be
	// rebuilt when frames are lost independently with the planned loss.
	Delivery float64
}

// Frames returns how many frames one transmission sends.
func (p Plan) Frames() int {
	if p.Whole {
		return p.Copies
	}
	return p.N
}

// ErrTooLong is returned for a message that does not fit the protocol.
var ErrTooLong = errors.New("link: message too long")

// PlanMessage plans a message of length bytes for a driver with the given
// MTU and airtime function.
func PlanMessage(length, mtu int, airtime func(int) time.Duration, r Redundancy) (Plan, error) {
	if err := r.Validate(); err != nil {
		return Plan{}, err
	}
	if length <= 0 || length > MaxMessage {
		return Plan{}, fmt.Errorf("%w: %d bytes (max %d)", ErrTooLong, length, MaxMessage)
	}
	mtu = min(mtu, MaxFrame)
	if mtu < FragmentOverhead+1 {
		return Plan{}, fmt.Errorf("link: MTU %d below the smallest fragment frame", mtu)
	}
	var cands []Plan
	if length+WholeOverhead <= mtu {
		cands = append(cands, planWhole(length, airtime, r))
		if r.Target == 0 {
			return cands[0], nil
		}
	}
	perShard := mtu - FragmentOverhead
	kmin := max((length+perShard-1)/perShard, 2)
	if len(cands) == 0 {
		kmin = (length + perShard - 1) / perShard
	}
	if kmin > MaxFragments {
		return Plan{}, fmt.Errorf("%w: %d bytes need %d fragments at MTU %d", ErrTooLong, length, kmin, mtu)
	}
	kmax := min(kmin+4, MaxFragments)
	if r.Target == 0 {
		kmax = kmin // fixed redundancy: the fewest fragments, predictably
	}
	for k := kmin; k <= kmax; k++ {
		if p, ok := planFragments(length, k, airtime, r); ok {
			cands = append(cands, p)
		}
	}
	return best(cands, r.Target), nil
}

func planWhole(length int, airtime func(int) time.Duration, r Redundancy) Plan {
	p := Plan{Whole: true, Copies: 1 + r.Extra, FrameLen: length + WholeOverhead}
	if r.Target > 0 {
		for p.Copies = 1; p.Copies < MaxCopies && deliveryProb(1, p.Copies, r.Loss) < r.Target; p.Copies++ {
		}
	}
	p.Copies = min(p.Copies, MaxCopies)
	p.Airtime = time.Duration(p.Copies) * airtime(p.FrameLen)
	p.Delivery = deliveryProb(1, p.Copies, r.Loss)
	return p
}

// planFragments plans k data fragments; ok is false when k fragments of
// equal size would leave one empty.
func planFragments(length, k int, airtime func(int) time.Duration, r Redundancy) (Plan, bool) {
	shard := (length + k - 1) / k
	if (length+shard-1)/shard != k {
		return Plan{}, false
	}
	p := Plan{K: k, N: min(k+r.Extra, MaxFragments), Shard: shard, FrameLen: shard + FragmentOverhead}
	if r.Target > 0 {
		for p.N = k; p.N < MaxFragments && deliveryProb(k, p.N, r.Loss) < r.Target; p.N++ {
		}
	}
	p.Airtime = time.Duration(p.N) * airtime(p.FrameLen)
	p.Delivery = deliveryProb(k, p.N, r.Loss)
	return p, true
}

// best picks the cheapest plan that meets target, or the most reliable
// one when none does (the first wins ties).
func best(cands []Plan, target float64) Plan {
	var b Plan
	found := false
	for _, c := range cands {
		switch {
		case c.Delivery >= target && (!found || c.Airtime < b.Airtime):
			b, found = c, true
		case !found && c.Delivery > b.Delivery:
			b = c
		}
	}
	return b
}

// deliveryProb returns the probability that at least k of n frames arrive
// when each is lost independently with probability loss.
func deliveryProb(k, n int, loss float64) float64 {
	if loss == 0 {
		return 1
	}
	q := 1 - loss
	var sum float64
	for i := k; i <= n; i++ {
		sum += math.Exp(lnChoose(n, i) + float64(i)*math.Log(q) + float64(n-i)*math.Log(loss))
	}
	return min(sum, 1)
}

func lnChoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}
