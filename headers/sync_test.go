package headers

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// server is a source that answers getheaders from its own chain.
func serve(t *testing.T, src *Chain, loc []chainhash.Hash) []wire.BlockHeader {
	t.Helper()
	hs, err := src.HeadersAfter(loc, chainhash.Hash{}, wire.MaxBlockHeadersPerMsg)
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

// syncFrom runs a Syncer against src until it wants no more, checking the
// memory bounds after every reply, and returns the events and the last
// error.
func syncFrom(t *testing.T, c, src *Chain) ([]Event, []Phase, error) {
	t.Helper()
	sy := c.NewSyncer()
	var evs []Event
	var phases []Phase
	for i := 0; i < 1000; i++ {
		p, err := sy.HandleHeaders(serve(t, src, sy.Locator()))
		if p.Event != nil {
			evs = append(evs, *p.Event)
		}
		phases = append(phases, p.Phase)
		c.mu.Lock()
		side := len(c.side)
		c.mu.Unlock()
		if side > MaxSideHeaders {
			t.Fatalf("%d side headers kept", side)
		}
		if err != nil || !p.More {
			return evs, phases, err
		}
	}
	t.Fatal("sync does not end")
	return nil, nil, nil
}

func TestLocatorAndHeadersAfter(t *testing.T) {
	c := openRegtest(t, t.TempDir(), nil)
	defer c.Close()
	a := mineOn(c.Params(), nil, 3000, 1)
	addBatches(t, c, a, 2000)
	loc := c.Locator()
	if loc[0] != hashOf(a[2999]) || loc[9] != hashOf(a[2990]) || loc[len(loc)-1] != c.Params().GenesisHash || len(loc) > 35 {
		t.Fatalf("locator of %d hashes: %v...", len(loc), loc[:3])
	}
	// A peer at height 1000 gets 1001..3000.
	hs, err := c.HeadersAfter([]chainhash.Hash{{9}, hashOf(a[999])}, chainhash.Hash{}, 5000)
	if err != nil || len(hs) != 2000 || hashOf(hs[0]) != hashOf(a[1000]) || hashOf(hs[1999]) != hashOf(a[2999]) {
		t.Fatalf("HeadersAfter: %d %v", len(hs), err)
	}
	hs, _ = c.HeadersAfter([]chainhash.Hash{hashOf(a[999])}, hashOf(a[1009]), 5000)
	if len(hs) != 10 {
		t.Fatalf("stop hash: %d headers", len(hs))
	}
	hs, _ = c.HeadersAfter(nil, chainhash.Hash{}, 3)
	if len(hs) != 3 || hashOf(hs[0]) != hashOf(a[0]) {
		t.Fatal("an empty locator starts after the checkpoint")
	}
	if hs, _ := c.HeadersAfter([]chainhash.Hash{hashOf(a[2999])}, chainhash.Hash{}, 10); len(hs) != 0 {
		t.Fatal("headers after the tip")
	}
	// A side branch's locator walks the branch, then the best chain.
	b := mineOn(c.Params(), a[:2500], 20, 2)
	mustAdd(t, c, b)
	sl, err := c.LocatorFrom(hashOf(b[19]))
	if err != nil || sl[0] != hashOf(b[19]) || sl[10] != hashOf(a[2499]) {
		t.Fatalf("side locator: %v", err)
	}
}

func TestSyncerFreshAndDeepReorg(t *testing.T) {
	p := RegTest()
	a := mineOn(p, nil, 5000, 1)
	b := append(append([]wire.BlockHeader{}, a[:100]...), mineOn(p, a[:100], 5100, 2)...)
	src := openRegtest(t, t.TempDir(), nil)
	defer src.Close()
	addBatches(t, src, a, 2000)

	c := openRegtest(t, t.TempDir(), nil)
	defer c.Close()
	if _, _, err := syncFrom(t, c, src); err != nil {
		t.Fatal(err)
	}
	checkChain(t, c, a)

	// The source switches to a branch that forks 4900 deep and is longer:
	// the client presyncs, downloads again, and switches once.
	srcB := openRegtest(t, t.TempDir(), nil)
	defer srcB.Close()
	addBatches(t, srcB, b, 2000)
	evs, phases, err := syncFrom(t, c, srcB)
	if err != nil {
		t.Fatal(err)
	}
	checkChain(t, c, b)
	var reorgs []Event
	for _, ev := range evs {
		if ev.Kind == EventReorg {
			reorgs = append(reorgs, ev)
		}
	}
	if len(reorgs) != 1 || reorgs[0].ForkHeight != 100 || reorgs[0].Depth != 4900 {
		t.Fatalf("reorgs %+v", reorgs)
	}
	seen := map[Phase]bool{}
	for _, ph := range phases {
		seen[ph] = true
	}
	if !seen[PhasePresync] || !seen[PhaseRedownload] {
		t.Fatalf("phases %v", phases)
	}
	noJournal(t, c)
}

// noJournal fails if a journal or staging file was left behind.
func noJournal(t *testing.T, c *Chain) {
	t.Helper()
	for _, n := range []string{journalFile, journalTmp, branchTmp} {
		if _, err := os.Stat(filepath.Join(c.Dir(), n)); err == nil {
			t.Fatalf("%s left behind", n)
		}
	}
}

func TestSyncerLowWorkBranchKeepsNothing(t *testing.T) {
	p := RegTest()
	a := mineOn(p, nil, 5000, 1)
	c := openRegtest(t, t.TempDir(), nil)
	defer c.Close()
	addBatches(t, c, a, 2000)
	low := append(append([]wire.BlockHeader{}, a[:100]...), mineOn(p, a[:100], 4500, 2)...)
	src := openRegtest(t, t.TempDir(), nil)
	defer src.Close()
	addBatches(t, src, low, 2000)
	_, _, err := syncFrom(t, c, src)
	if err != nil {
		t.Fatal(err)
	}
	checkChain(t, c, a)
	c.mu.Lock()
	side := len(c.side)
	c.mu.Unlock()
	if side > MaxBranchHeaders {
		t.Fatalf("%d headers of a low-work branch kept", side)
	}
}

func TestSyncerRedownloadMismatch(t *testing.T) {
	p := RegTest()
	a := mineOn(p, nil, 5000, 1)
	c := openRegtest(t, t.TempDir(), nil)
	defer c.Close()
	addBatches(t, c, a, 2000)
	b := append(append([]wire.BlockHeader{}, a[:10]...), mineOn(p, a[:10], 6000, 2)...)
	other := append(append([]wire.BlockHeader{}, a[:10]...), mineOn(p, a[:10], 6000, 3)...)
	srcB := openRegtest(t, t.TempDir(), nil)
	defer srcB.Close()
	addBatches(t, srcB, b, 2000)
	srcO := openRegtest(t, t.TempDir(), nil)
	defer srcO.Close()
	addBatches(t, srcO, other, 2000)
	sy := c.NewSyncer()
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		src := srcB
		if sy.Phase() == PhaseRedownload {
			src = srcO // the source changes its story
		}
		_, err = sy.HandleHeaders(serve(t, src, sy.Locator()))
	}
	if !errors.Is(err, ErrRedownloadMismatch) {
		t.Fatalf("switched source: %v", err)
	}
	noJournal(t, c)
	checkChain(t, c, a)
	if sy.Phase() != PhaseNormal {
		t.Fatal("the syncer did not go back to normal")
	}
}

func TestReverseSync(t *testing.T) {
	p := RegTest()
	a := mineOn(p, nil, 150, 1)
	c := openRegtest(t, t.TempDir(), nil)
	defer c.Close()
	mustAdd(t, c, a[:100])
	rs, err := c.NewReverseSync(a[149])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Add(a[10]); !errors.Is(err, ErrNotWanted) {
		t.Fatalf("unwanted header: %v", err)
	}
	for i := 148; i >= 100; i-- {
		want, ok := rs.Want()
		if !ok || want != hashOf(a[i]) {
			t.Fatalf("want %s at %d", want, i)
		}
		res, err := rs.Add(a[i])
		if err != nil {
			t.Fatal(err)
		}
		if i == 100 && (res.Added != 50 || res.Event == nil || res.Event.Tip.Height != 150) {
			t.Fatalf("connect: %+v", res)
		}
	}
	if _, ok := rs.Want(); ok {
		t.Fatal("walk not over")
	}
	checkChain(t, c, a)

	// A competing branch with more work, announced by its tip.
	b := mineOn(p, a[:140], 20, 2)
	rs, _ = c.NewReverseSync(b[19])
	for i := 18; i >= 0; i-- {
		if _, err := rs.Add(b[i]); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := rs.Result(); err != nil || res.Event == nil || res.Event.Kind != EventReorg || res.Event.Depth != 10 {
		t.Fatalf("reverse reorg: %+v %v", res.Event, err)
	}

	// A header with bad proof of work ends the walk.
	far := mineOn(p, b, 5, 3)
	rs, _ = c.NewReverseSync(far[4])
	bad := far[3]
	for {
		hash := headerHash(&bad)
		if t0, _, _ := compactTarget(bad.Bits); hashToU256(&hash).cmp(t0) > 0 {
			break
		}
		bad.Nonce++
	}
	rs.want = hashOf(bad)
	if _, err := rs.Add(bad); !errors.Is(err, ErrHighHash) {
		t.Fatalf("bad proof of work: %v", err)
	}
	if _, ok := rs.Want(); ok {
		t.Fatal("walk goes on after a bad header")
	}

	// A tip that does not connect within the bound is given up.
	long := mineOn(p, b, MaxReverseHeaders+10, 4)
	rs, _ = c.NewReverseSync(long[len(long)-1])
	var rerr error
	for i := len(long) - 2; i >= 0 && rerr == nil; i-- {
		_, rerr = rs.Add(long[i])
	}
	if !errors.Is(rerr, ErrReverseTooLong) || rs.Len() != 0 {
		t.Fatalf("long walk: %v, %d held", rerr, rs.Len())
	}
}
