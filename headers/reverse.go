package headers

import (
	"errors"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// MaxReverseHeaders is the most headers a reverse sync holds while it walks
// back from an announced tip. A tip that does not connect within it is
// given up (forward sync from a locator is the way to catch up that far).
const MaxReverseHeaders = MaxBranchHeaders

// Errors of a reverse sync.
var (
	// ErrNotWanted: the header is not the one the walk asked for.
	ErrNotWanted = errors.New("headers: not the header the reverse sync wants")
	// ErrReverseTooLong: the announced tip did not connect within
	// MaxReverseHeaders.
	ErrReverseTooLong = errors.New("headers: announced tip does not connect within the reverse-sync bound")
	// ErrReverseDone: the walk already finished.
	ErrReverseDone = errors.New("headers: reverse sync finished")
)

// ReverseSync fetches headers backwards from an announced tip, as Gregory
// Maxwell's reverse header-fetching sync does: each header is asked for by
// hash (the prev-hash of the last one received), its proof of work is
// checked on its own as it arrives, and once a header's parent is known the
// whole run is checked forward against every consensus rule and handed to
// the chain, which adopts it if it has more work. It suits sources that can
// only be asked by hash, or that repeat recent headers in any order (a
// radio carousel). Not safe for concurrent use.
type ReverseSync struct {
	c       *Chain
	r       *rules
	pending []wire.BlockHeader // newest first
	want    chainhash.Hash
	done    bool
	res     Result
	err     error
}

// NewReverseSync starts a walk back from an announced tip. The tip's own
// proof of work and time are checked first. When the tip's parent is known
// the walk finishes at once (see Result).
func (c *Chain) NewReverseSync(tip wire.BlockHeader) (*ReverseSync, error) {
	rs := &ReverseSync{c: c, r: newRules(c.s.p, nil)}
	hash := headerHash(&tip)
	c.mu.Lock()
	known := c.known(&hash)
	c.mu.Unlock()
	if known {
		rs.done = true
		return rs, nil
	}
	if err := rs.take(&tip, &hash); err != nil {
		return nil, err
	}
	return rs, nil
}

// Want returns the hash of the header the walk needs next, and false when
// the walk is over.
func (rs *ReverseSync) Want() (chainhash.Hash, bool) { return rs.want, !rs.done }

// Len is the number of headers held.
func (rs *ReverseSync) Len() int { return len(rs.pending) }

// Add takes the header the walk asked for. It returns ErrNotWanted for any
// other header (which changes nothing), a *RuleError when the header's
// proof of work or time is bad (the walk is then over), and ErrReverseDone
// after the end. When the header connects, the run goes to the chain and
// Add returns the chain's answer (also kept in Result).
func (rs *ReverseSync) Add(h wire.BlockHeader) (Result, error) {
	if rs.done {
		return rs.res, ErrReverseDone
	}
	hash := headerHash(&h)
	if hash != rs.want {
		return Result{}, ErrNotWanted
	}
	if err := rs.take(&h, &hash); err != nil {
		return Result{}, err
	}
	return rs.res, rs.err
}

// Result returns what the chain did with the run once the walk connected.
func (rs *ReverseSync) Result() (Result, error) { return rs.res, rs.err }

func (rs *ReverseSync) take(h *wire.BlockHeader, hash *chainhash.Hash) error {
	if err := rs.checkAlone(h, hash); err != nil {
		rs.done = true
		return err
	}
	if len(rs.pending) >= MaxReverseHeaders {
		rs.done, rs.pending = true, nil
		return fmt.Errorf("%w (%d headers)", ErrReverseTooLong, MaxReverseHeaders)
	}
	rs.pending = append(rs.pending, *h)
	rs.want = h.PrevBlock
	rs.c.mu.Lock()
	known := rs.c.known(&h.PrevBlock)
	rs.c.mu.Unlock()
	if known {
		rs.finish()
	}
	return nil
}

// checkAlone checks what a header proves on its own: its proof of work
// against its own nBits and the network's limit, and its time against the
// clock.
func (rs *ReverseSync) checkAlone(h *wire.BlockHeader, hash *chainhash.Hash) error {
	if err := rs.r.checkPoW(h, hash, -1); err != nil {
		return err
	}
	if t := h.Timestamp.Unix(); t > rs.c.now()+MaxFutureDrift {
		return ruleErr(ErrTimeTooNew, -1, hash, "time %d is more than %d s ahead of the clock", t, MaxFutureDrift)
	}
	return nil
}

// finish hands the connected run to the chain, oldest first.
func (rs *ReverseSync) finish() {
	run := slices.Clone(rs.pending)
	slices.Reverse(run)
	rs.res, rs.err = rs.c.Add(run)
	rs.done, rs.pending = true, nil
}
