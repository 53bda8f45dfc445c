package headers

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Bounds of forward sync through a branch longer than MaxBranchHeaders.
const (
	// CommitInterval is how often presync remembers a branch header's hash
	// (every CommitInterval-th header after the fork), so that the second
	// download can be held to the same branch.
	CommitInterval = 2016
	// MaxPresyncHeaders is the longest branch presync follows (four times
	// mainnet's height in 2026); its memory is MaxPresyncHeaders /
	// CommitInterval hashes, about 66 KB.
	MaxPresyncHeaders = 1 << 22
)

// Phase is where a Syncer stands.
type Phase int

const (
	// PhaseNormal: headers go straight to the chain (best chain or a side
	// branch of at most MaxBranchHeaders).
	PhaseNormal Phase = iota
	// PhasePresync: a long branch with less work than the tip is checked
	// header by header against every consensus rule, without keeping it,
	// until its work passes the tip's.
	PhasePresync
	// PhaseRedownload: the branch, now known to have more work, is fetched
	// again from its fork, held to presync's hashes, staged on flash and
	// switched to once its work passes the tip's.
	PhaseRedownload
)

func (p Phase) String() string {
	return [...]string{"normal", "presync", "redownload"}[p]
}

// Errors of a Syncer.
var (
	// ErrUnexpected: headers that do not continue what the Syncer asked
	// for (ask again with Locator).
	ErrUnexpected = errors.New("headers: headers do not continue the request")
	// ErrPresyncTooLong: a low-work branch longer than MaxPresyncHeaders.
	ErrPresyncTooLong = errors.New("headers: branch too long to presync")
	// ErrRedownloadMismatch: the second download is not the branch presync
	// checked.
	ErrRedownloadMismatch = errors.New("headers: redownloaded branch differs from the presynced one")
)

// Syncer runs forward header sync with one source (a P2P peer, a two-way
// radio link): it says what to ask for (Locator) and takes each reply
// (HandleHeaders). A reply is a run of consecutive headers; one with fewer
// than wire.MaxBlockHeadersPerMsg headers means the source has no more.
//
// A branch that forks deeper than MaxBranchHeaders and has less work than
// the tip is not kept: it is checked in presync, then downloaded again and
// staged on flash only once it has shown more work (after Bitcoin Core's
// headers presync). Memory stays bounded whatever the source sends.
// A Syncer is not safe for concurrent use; use one per source.
type Syncer struct {
	c        *Chain
	phase    Phase
	fork     int32 // presync/redownload: the stored header the branch leaves
	forkHash chainhash.Hash
	st       vstate
	count    int32 // headers checked since the fork
	// commits are presync's hashes at every CommitInterval-th header.
	commits []chainhash.Hash
	j       *journal
	r       *rules // own rules: presync runs with the chain unlocked
	// last is the last header of the previous full reply in normal sync:
	// the next request continues from it, as Core's does.
	last *chainhash.Hash
}

// Progress says what one reply did.
type Progress struct {
	// Added counts headers that went into the chain (best or side).
	Added int
	// Event is the change of the best chain, if any.
	Event *Event
	// Phase is the Syncer's phase after the reply.
	Phase Phase
	// More is set when the Syncer wants another request (with Locator).
	More bool
}

// NewSyncer returns a Syncer for one source.
func (c *Chain) NewSyncer() *Syncer { return &Syncer{c: c, r: newRules(c.s.p, pinsOf(c.s.r))} }

func pinsOf(r *rules) []Pin {
	var ps []Pin
	for h, hash := range r.pins {
		ps = append(ps, Pin{Height: h, Hash: hash})
	}
	return ps
}

// Phase returns the Syncer's phase.
func (sy *Syncer) Phase() Phase { return sy.phase }

// Locator returns the block locator for the next getheaders request.
func (sy *Syncer) Locator() []chainhash.Hash {
	if sy.phase != PhaseNormal {
		return []chainhash.Hash{sy.st.hash}
	}
	if sy.last != nil {
		if loc, err := sy.c.LocatorFrom(*sy.last); err == nil {
			return loc
		}
	}
	return sy.c.Locator()
}

// HandleHeaders takes one reply. A *RuleError means the source sent an
// invalid header (the headers before it were kept); ErrUnexpected means
// the reply does not continue the request.
func (sy *Syncer) HandleHeaders(hs []wire.BlockHeader) (Progress, error) {
	var p Progress
	var err error
	switch sy.phase {
	case PhaseNormal:
		p, err = sy.normal(hs)
	case PhasePresync:
		p, err = sy.presync(hs)
	default:
		p, err = sy.redownload(hs)
	}
	p.Phase = sy.phase
	return p, err
}

func (sy *Syncer) normal(hs []wire.BlockHeader) (Progress, error) {
	res, err := sy.c.Add(hs)
	p := Progress{Added: res.Added, Event: res.Event, More: len(hs) >= wire.MaxBlockHeadersPerMsg}
	sy.last = nil
	if p.More && err == nil {
		last := headerHash(&hs[len(hs)-1])
		sy.last = &last
	}
	var long *BranchTooLongError
	if errors.As(err, &long) {
		sy.startPresync(long.ForkHeight)
		p.More = true
		return p, nil
	}
	return p, err
}

// startPresync restarts from the fork point: presync asks for the branch
// again from there.
func (sy *Syncer) startPresync(fork int32) {
	sy.c.mu.Lock()
	sy.st = sy.c.s.stateAt(fork)
	sy.forkHash = sy.st.hash
	sy.c.mu.Unlock()
	sy.phase, sy.fork, sy.count, sy.commits = PhasePresync, fork, 0, nil
}

// reset goes back to normal sync, dropping any staged branch.
func (sy *Syncer) reset() {
	if sy.j != nil {
		sy.c.mu.Lock()
		sy.j.abort()
		sy.c.staging = false
		sy.c.mu.Unlock()
		sy.j = nil
	}
	sy.phase, sy.commits, sy.last = PhaseNormal, nil, nil
}

// check validates hs on top of sy.st and calls each(i) after each good
// one; it stops at the first bad header or when each returns true.
func (sy *Syncer) check(hs []wire.BlockHeader, each func(i int, hash *chainhash.Hash) (stop bool, err error)) (int, error) {
	if len(hs) > 0 && hs[0].PrevBlock != sy.st.hash {
		return 0, fmt.Errorf("%w: %s follows %s, not %s", ErrUnexpected, headerHash(&hs[0]), hs[0].PrevBlock, sy.st.hash)
	}
	now := sy.c.now()
	for i := range hs {
		hash := headerHash(&hs[i])
		if err := sy.r.connect(&sy.st, &hs[i], &hash, now); err != nil {
			return i, err
		}
		sy.count++
		if stop, err := each(i, &hash); stop || err != nil {
			return i + 1, err
		}
	}
	return len(hs), nil
}

func (sy *Syncer) tipWork() u256 {
	sy.c.mu.Lock()
	defer sy.c.mu.Unlock()
	return sy.c.s.tip.work
}

func (sy *Syncer) presync(hs []wire.BlockHeader) (Progress, error) {
	tip := sy.tipWork()
	crossed := false
	_, err := sy.check(hs, func(i int, hash *chainhash.Hash) (bool, error) {
		if sy.count%CommitInterval == 0 {
			sy.commits = append(sy.commits, *hash)
		}
		if sy.count > MaxPresyncHeaders {
			return true, ErrPresyncTooLong
		}
		crossed = sy.st.work.cmp(tip) > 0
		return crossed, nil
	})
	if err != nil {
		sy.reset()
		return Progress{}, err
	}
	if crossed {
		return sy.startRedownload()
	}
	if len(hs) < wire.MaxBlockHeadersPerMsg {
		sy.reset() // the branch ended with less work: nothing was kept
		return Progress{}, nil
	}
	return Progress{More: true}, nil
}

// startRedownload prepares the staging file and asks for the branch again
// from its fork.
func (sy *Syncer) startRedownload() (Progress, error) {
	c := sy.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.staging || !c.s.contains(sy.fork) || c.s.hashAt(sy.fork) != sy.forkHash {
		sy.phase = PhaseNormal
		return Progress{}, fmt.Errorf("headers: cannot stage the branch from %d now", sy.fork)
	}
	j, err := c.s.beginJournal(sy.fork, branchTmp)
	if err != nil {
		sy.phase = PhaseNormal
		return Progress{}, err
	}
	c.staging = true
	sy.j, sy.phase, sy.st, sy.count = j, PhaseRedownload, c.s.stateAt(sy.fork), 0
	return Progress{More: true}, nil
}

func (sy *Syncer) redownload(hs []wire.BlockHeader) (Progress, error) {
	tip := sy.tipWork()
	limit := int32(len(sy.commits))*CommitInterval + MaxBranchHeaders
	crossed := false
	n, err := sy.check(hs, func(i int, hash *chainhash.Hash) (bool, error) {
		if sy.count%CommitInterval == 0 {
			if k := int(sy.count/CommitInterval) - 1; k >= len(sy.commits) || sy.commits[k] != *hash {
				return true, ErrRedownloadMismatch
			}
		}
		if sy.count > limit {
			return true, ErrRedownloadMismatch
		}
		crossed = sy.st.work.cmp(tip) > 0
		return crossed, nil
	})
	if err == nil || n > 0 {
		if serr := sy.stage(hs[:n]); serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		sy.reset()
		return Progress{}, err
	}
	if crossed {
		return sy.switchBranch(hs[n:])
	}
	if len(hs) < wire.MaxBlockHeadersPerMsg {
		sy.reset()
		return Progress{}, fmt.Errorf("%w: it ended before passing the tip", ErrRedownloadMismatch)
	}
	return Progress{More: true}, nil
}

func (sy *Syncer) stage(hs []wire.BlockHeader) error {
	hashes := make([]chainhash.Hash, len(hs))
	for i := range hs {
		hashes[i] = headerHash(&hs[i])
	}
	return sy.j.add(hs, hashes)
}

// switchBranch commits the staged branch, then adds the rest of the reply
// on top of the new tip.
func (sy *Syncer) switchBranch(rest []wire.BlockHeader) (Progress, error) {
	c := sy.c
	c.mu.Lock()
	if sy.st.work.cmp(c.s.tip.work) <= 0 {
		// The tip moved on meanwhile: keep staging.
		c.mu.Unlock()
		return Progress{More: true}, nil
	}
	ev, err := c.adopt(sy.j)
	c.staging = false
	c.mu.Unlock()
	sy.j = nil
	sy.reset()
	if err != nil {
		return Progress{}, err
	}
	p := Progress{Added: int(ev.Connected), Event: &ev, More: true}
	if len(rest) > 0 {
		res, err := c.Add(rest)
		p.Added += res.Added
		if res.Event != nil {
			// One event for the whole change: the switch and the growth.
			ev.Tip = res.Event.Tip
			ev.Connected += res.Event.Connected
		}
		return p, err
	}
	return p, nil
}
