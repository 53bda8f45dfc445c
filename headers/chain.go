package headers

import (
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"path/filepath"
	"sync"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Bounds on what the chain keeps for branches that do not (yet) have more
// work than the best chain. No input, however long or however fast, makes
// the chain hold more than these in memory.
const (
	// MaxBranchHeaders is the most headers kept for one side branch that
	// has less work than the best chain. A longer low-work branch is
	// refused with ErrBranchTooLong (a Syncer then checks it in presync
	// without keeping it).
	MaxBranchHeaders = 2016
	// MaxSideHeaders is the most side-branch headers kept in all; past it
	// the branches with the least work are dropped.
	MaxSideHeaders = 2 * MaxBranchHeaders
)

// Options configure Open.
type Options struct {
	// Params are the network's rules. Required.
	Params *Params
	// Checkpoint is where a new store starts (nil: DefaultCheckpoint). For
	// an existing store it must be nil or the stored one.
	Checkpoint *Checkpoint
	// Pins are extra hard-coded checkpoints, checked with Params.Pins
	// unless NoPins is set.
	Pins   []Pin
	NoPins bool
	// Clock is the time the two-hour future rule is checked against (nil:
	// the system clock).
	Clock clock.Clock
	// Logger receives the one line Open writes and the warnings of later
	// failures (nil: discard).
	Logger *slog.Logger
	// ReadOnly opens without locking, repairing or writing: for tools that
	// look at a store a running daemon holds.
	ReadOnly bool
}

// Tip is the best header: its height, hash, header and chain work.
type Tip struct {
	Height int32
	Hash   chainhash.Hash
	Header wire.BlockHeader
	Work   *big.Int
}

// HeaderInfo describes a known header: stored (InBest) or on a side branch.
type HeaderInfo struct {
	Header wire.BlockHeader
	Height int32
	Work   *big.Int
	InBest bool
}

// Chain is the best header chain, checked against the consensus rules and
// kept in a crash-safe store, plus the side branches that may overtake it.
// All methods are safe for concurrent use.
type Chain struct {
	mu     sync.Mutex
	s      *store
	side   map[chainhash.Hash]*sideNode
	seq    uint64
	clock  clock.Clock
	log    *slog.Logger
	subs   map[*Subscription]struct{}
	closed bool
	// staging is set while a Syncer stages a branch in branch.tmp.
	staging bool
}

// sideNode is a checked header that is not on the best chain.
type sideNode struct {
	hdr    wire.BlockHeader
	hash   chainhash.Hash
	height int32
	work   u256
	parent *sideNode // nil: the parent is stored
	seq    uint64
}

// Open opens the store in dir, creating it at the checkpoint when it does
// not exist, checks every stored header again, repairs a torn tail, and
// logs one line saying where it stands.
func Open(dir string, o Options) (*Chain, error) { return openFS(osFS{}, dir, o) }

func openFS(fs fsys, dir string, o Options) (*Chain, error) {
	if o.Params == nil {
		return nil, errors.New("headers: Options.Params is required")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pins := append([]Pin(nil), o.Pins...)
	if !o.NoPins {
		pins = append(pins, o.Params.Pins...)
	}
	start := time.Now()
	s, rep, err := openStore(storeOptions{fs: fs, dir: dir, params: o.Params, cp: o.Checkpoint, pins: pins, ro: o.ReadOnly})
	if err != nil {
		return nil, err
	}
	c := &Chain{s: s, side: map[chainhash.Hash]*sideNode{}, clock: clock.OrReal(o.Clock), log: log, subs: map[*Subscription]struct{}{}}
	c.logOpen(dir, rep, time.Since(start))
	return c, nil
}

func (c *Chain) logOpen(dir string, rep openReport, took time.Duration) {
	s := c.s
	attrs := []any{"dir", dir, "network", s.p.Name, "height", s.tip.height, "hash", s.tip.hash,
		"headers", s.tip.height - s.cp.Height, "took", took.Round(time.Millisecond)}
	switch {
	case rep.created:
		c.log.Info("headers: created store", append(attrs, "checkpoint", s.cp.Height)...)
	case rep.droppedBytes > 0 || rep.journal != "":
		c.log.Warn("headers: store recovered: reopened at the last fully written valid header",
			append(attrs, "dropped_bytes", rep.droppedBytes, "reason", errString(rep.why), "journal", rep.journal)...)
	default:
		c.log.Info("headers: opened store", attrs...)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Close closes the store and every subscription.
func (c *Chain) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	for sub := range c.subs {
		sub.close()
	}
	return c.s.close()
}

// Params returns the chain's network rules.
func (c *Chain) Params() *Params { return c.s.p }

// Checkpoint returns the checkpoint the store starts at.
func (c *Chain) Checkpoint() Checkpoint { return c.s.cp }

// Dir returns the store's directory.
func (c *Chain) Dir() string { return filepath.Clean(c.s.dir) }

// Tip returns the best header.
func (c *Chain) Tip() Tip {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tipLocked()
}

func (c *Chain) tipLocked() Tip {
	s := c.s
	return Tip{Height: s.tip.height, Hash: s.tip.hash, Header: s.tipHdr, Work: s.tip.work.big()}
}

// Header returns the best chain's header at height.
func (c *Chain) Header(height int32) (wire.BlockHeader, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s.header(height)
}

// Headers returns the best chain's headers from..to (inclusive, above the
// checkpoint) with one read of the store.
func (c *Chain) Headers(from, to int32) ([]wire.BlockHeader, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s.headers(from, to)
}

// Hash returns the hash of the best chain's header at height.
func (c *Chain) Hash(height int32) (chainhash.Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.s.contains(height) {
		return chainhash.Hash{}, fmt.Errorf("headers: height %d: %w", height, ErrNotFound)
	}
	return c.s.hashAt(height), nil
}

// Height returns the height of a header of the best chain.
func (c *Chain) Height(hash chainhash.Hash) (int32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s.heightOf(&hash)
}

// Lookup describes any known header: stored or on a side branch.
func (c *Chain) Lookup(hash chainhash.Hash) (HeaderInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.s.heightOf(&hash); ok {
		hdr, err := c.s.header(h)
		if err != nil {
			return HeaderInfo{}, err
		}
		return HeaderInfo{Header: hdr, Height: h, Work: c.s.workAt(h).big(), InBest: true}, nil
	}
	if n, ok := c.side[hash]; ok {
		return HeaderInfo{Header: n.hdr, Height: n.height, Work: n.work.big()}, nil
	}
	return HeaderInfo{}, fmt.Errorf("headers: %s: %w", hash, ErrNotFound)
}

// RequiredBits returns the nBits the consensus rules require of a child of
// the known header prev whose time is t: what a header codec may leave out
// and recompute.
func (c *Chain) RequiredBits(prev chainhash.Hash, t time.Time) (uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.stateOf(&prev)
	if err != nil {
		return 0, err
	}
	return c.s.r.nextBits(&st, uint32(t.Unix())), nil
}

// stateOf is the validation state at a known header.
func (c *Chain) stateOf(hash *chainhash.Hash) (vstate, error) {
	if h, ok := c.s.heightOf(hash); ok {
		return c.s.stateAt(h), nil
	}
	if n, ok := c.side[*hash]; ok {
		return c.sideState(n), nil
	}
	return vstate{}, fmt.Errorf("headers: %s: %w", hash, ErrNotFound)
}

// sideState replays a side branch from its fork point.
func (c *Chain) sideState(n *sideNode) vstate {
	var path []*sideNode
	for x := n; x != nil; x = x.parent {
		path = append(path, x)
	}
	st := c.s.stateAt(path[len(path)-1].height - 1)
	for i := len(path) - 1; i >= 0; i-- {
		c.s.r.advance(&st, &path[i].hdr, &path[i].hash)
	}
	return st
}

// known reports whether a header is stored or on a side branch.
func (c *Chain) known(hash *chainhash.Hash) bool {
	if _, ok := c.side[*hash]; ok {
		return true
	}
	_, ok := c.s.heightOf(hash)
	return ok
}

func (c *Chain) now() int64 { return c.clock.Now().Unix() }
