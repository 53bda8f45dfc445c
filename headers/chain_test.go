package headers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

func TestExtendLookupReopen(t *testing.T) {
	dir := t.TempDir()
	var log logBuf
	c := openRegtest(t, dir, log.logger())
	p := c.Params()
	hs := mineOn(p, nil, 3000, 1)
	addBatches(t, c, hs, 700)
	check := func(c *Chain) {
		t.Helper()
		tip := c.Tip()
		if tip.Height != 3000 || tip.Hash != hashOf(hs[2999]) {
			t.Fatalf("tip %d %s, want 3000 %s", tip.Height, tip.Hash, hashOf(hs[2999]))
		}
		if want := newRules(p, nil).work(0x207fffff).mul64(3001).big(); tip.Work.Cmp(want) != 0 {
			t.Fatalf("work %x, want %x", tip.Work, want)
		}
		for _, h := range []int32{1, 2, 1499, 2016, 2999, 3000} {
			got, err := c.Header(h)
			if err != nil || hashOf(got) != hashOf(hs[h-1]) {
				t.Fatalf("Header(%d): %v %v", h, hashOf(got), err)
			}
			if hh, ok := c.Height(hashOf(hs[h-1])); !ok || hh != h {
				t.Fatalf("Height(%d) = %d %v", h, hh, ok)
			}
		}
		if run, err := c.Headers(1990, 2030); err != nil || len(run) != 41 || hashOf(run[40]) != hashOf(hs[2029]) {
			t.Fatalf("Headers(1990, 2030): %d %v", len(run), err)
		}
		if _, err := c.Headers(0, 5); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Headers from the checkpoint: %v", err)
		}
		if g, err := c.Header(0); err != nil || hashOf(g) != p.GenesisHash {
			t.Fatalf("Header(0): %v", err)
		}
		if _, err := c.Header(3001); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Header(3001): %v", err)
		}
		if _, ok := c.Height(chainhash.Hash{1}); ok {
			t.Fatal("Height of an unknown hash")
		}
	}
	check(c)
	// Adding known headers again changes nothing.
	if res := mustAdd(t, c, hs[100:200]); res.Known != 100 || res.Added != 0 {
		t.Fatalf("re-add: %+v", res)
	}
	c.Close()
	c = openRegtest(t, dir, log.logger())
	defer c.Close()
	check(c)
	if n := len(log.lines()); n != 2 {
		t.Fatalf("%d log lines for create and reopen, want 2:\n%v", n, log.lines())
	}
}

func TestSideBranchReorgAndBack(t *testing.T) {
	c := openRegtest(t, t.TempDir(), nil)
	defer c.Close()
	sub := c.Subscribe(16)
	p := c.Params()
	a := mineOn(p, nil, 50, 1)
	mustAdd(t, c, a)
	b := mineOn(p, a[:20], 25, 2) // fork at 20: 45 headers, less work
	res := mustAdd(t, c, b)
	if res.Added != 25 || res.Event != nil || c.Tip().Height != 50 {
		t.Fatalf("side branch: %+v tip %d", res, c.Tip().Height)
	}
	info, err := c.Lookup(hashOf(b[24]))
	if err != nil || info.InBest || info.Height != 45 {
		t.Fatalf("Lookup side: %+v %v", info, err)
	}
	b2 := mineOn(p, b, 10, 2)
	res = mustAdd(t, c, b2)
	ev := res.Event
	if ev == nil || ev.Kind != EventReorg || ev.ForkHeight != 20 || ev.Depth != 30 || ev.Connected != 35 || ev.Tip.Height != 55 {
		t.Fatalf("reorg event: %+v", ev)
	}
	if ev.ForkHash != hashOf(a[19]) || ev.OldTip.Hash != hashOf(a[49]) {
		t.Fatalf("reorg fork/old tip: %+v", ev)
	}
	// The old best chain is now a side branch; extending it takes it back.
	if info, err := c.Lookup(hashOf(a[49])); err != nil || info.InBest {
		t.Fatalf("old tip after reorg: %+v %v", info, err)
	}
	a2 := mineOn(p, a, 10, 1)
	res = mustAdd(t, c, a2)
	if res.Event == nil || res.Event.Kind != EventReorg || res.Event.Depth != 35 || res.Event.Tip.Height != 60 {
		t.Fatalf("reorg back: %+v", res.Event)
	}
	for h := int32(1); h <= 60; h++ {
		want := append(append([]wire.BlockHeader{}, a...), a2...)[h-1]
		if got, err := c.Header(h); err != nil || hashOf(got) != hashOf(want) {
			t.Fatalf("height %d after reorg back: %v", h, err)
		}
	}
	var kinds []EventKind
	for len(sub.Events()) > 0 {
		kinds = append(kinds, (<-sub.Events()).Kind)
	}
	if len(kinds) != 3 || kinds[0] != EventTip || kinds[1] != EventReorg || kinds[2] != EventReorg {
		t.Fatalf("events %v", kinds)
	}
}

func TestReorgSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	c := openRegtest(t, dir, nil)
	p := c.Params()
	a := mineOn(p, nil, 300, 1)
	mustAdd(t, c, a)
	b := mineOn(p, a[:100], 250, 2)
	if res := mustAdd(t, c, b); res.Event == nil || res.Event.Depth != 200 {
		t.Fatalf("reorg: %+v", res.Event)
	}
	c.Close()
	c = openRegtest(t, dir, nil)
	defer c.Close()
	if tip := c.Tip(); tip.Height != 350 || tip.Hash != hashOf(b[249]) {
		t.Fatalf("tip after reopen %d %s", tip.Height, tip.Hash)
	}
	for h := int32(101); h <= 350; h++ {
		if got, err := c.Height(hashOf(b[h-101])); !err || got != h {
			t.Fatalf("Height of branch header %d: %d", h, got)
		}
	}
	if _, ok := c.Height(hashOf(a[150])); ok {
		t.Fatal("a displaced header is still indexed")
	}
}

func TestStaleTieKeepsFirstSeen(t *testing.T) {
	c := openRegtest(t, t.TempDir(), nil)
	defer c.Close()
	p := c.Params()
	a := mineOn(p, nil, 10, 1)
	mustAdd(t, c, a)
	b := mineOn(p, a[:9], 1, 2) // same height and work as the tip
	if res := mustAdd(t, c, b); res.Event != nil || c.Tip().Hash != hashOf(a[9]) {
		t.Fatalf("a tie moved the tip: %+v", res.Event)
	}
}

func TestLowWorkBranchBound(t *testing.T) {
	c := openRegtest(t, t.TempDir(), nil)
	defer c.Close()
	p := c.Params()
	a := mineOn(p, nil, 3000, 1)
	addBatches(t, c, a, 2000)
	long := mineOn(p, a[:10], MaxBranchHeaders+100, 2)
	res, err := c.Add(long)
	if !errors.Is(err, ErrBranchTooLong) || res.Added != MaxBranchHeaders {
		t.Fatalf("long low-work branch: %+v %v", res, err)
	}
	// Many short branches: the side pool never passes its bound.
	for i := 0; i < 40; i++ {
		br := mineOn(p, a[:100+i*50], 200, uint32(100+i))
		if _, err := c.Add(br); err != nil {
			t.Fatal(err)
		}
		c.mu.Lock()
		n := len(c.side)
		c.mu.Unlock()
		if n > MaxSideHeaders {
			t.Fatalf("%d side headers kept, bound %d", n, MaxSideHeaders)
		}
	}
}

func TestRuleErrorsRegtest(t *testing.T) {
	c := openRegtest(t, t.TempDir(), nil)
	defer c.Close()
	p := c.Params()
	a := mineOn(p, nil, 1360, 1)
	addBatches(t, c, a, 2000)
	tip := a[len(a)-1]
	remine := func(h wire.BlockHeader) wire.BlockHeader {
		target, _, _ := compactTarget(0x207fffff)
		for {
			hash := headerHash(&h)
			if hashToU256(&hash).cmp(target) <= 0 {
				return h
			}
			h.Nonce++
		}
	}
	next := mineOn(p, a, 1, 9)[0]
	cases := []struct {
		name string
		mod  func(h *wire.BlockHeader)
		want ErrorCode
	}{
		{"bits", func(h *wire.BlockHeader) { h.Bits = 0x1d00ffff }, ErrBadDifficulty},
		{"time at median", func(h *wire.BlockHeader) { h.Timestamp = a[len(a)-6].Timestamp }, ErrTimeTooOld},
		{"time too new", func(h *wire.BlockHeader) { h.Timestamp = testNow.Add(2*time.Hour + time.Second) }, ErrTimeTooNew},
		{"version 3 after BIP65", func(h *wire.BlockHeader) { h.Version = 3 }, ErrBadVersion},
		{"unknown parent", func(h *wire.BlockHeader) { h.PrevBlock[0] ^= 1 }, ErrUnknownParent},
	}
	for _, tc := range cases {
		h := next
		tc.mod(&h)
		h = remine(h)
		_, err := c.Add([]wire.BlockHeader{h})
		var re *RuleError
		if !errors.Is(err, tc.want) || !errors.As(err, &re) || re.Hash != hashOf(h) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if tc.want != ErrUnknownParent && re != nil && re.Height != 1361 {
			t.Errorf("%s: height %d, want 1361", tc.name, re.Height)
		}
	}
	// A hash above the target.
	h := next
	for {
		hash := headerHash(&h)
		if t0, _, _ := compactTarget(h.Bits); hashToU256(&hash).cmp(t0) > 0 {
			break
		}
		h.Nonce++
	}
	if _, err := c.Add([]wire.BlockHeader{h}); !errors.Is(err, ErrHighHash) {
		t.Errorf("high hash: %v", err)
	}
	// A run that does not link up.
	two := mineOn(p, a, 2, 5)
	two[1].PrevBlock = chainhash.Hash{}
	if res, err := c.Add(two); !errors.Is(err, ErrNotContinuous) || res.Added != 1 {
		t.Errorf("discontinuous run: %+v %v", res, err)
	}
	// A run with a bad header in the middle keeps the good ones.
	run := mineOn(p, a, 5, 6)
	run[4].Bits = 0x1d00ffff
	res, err := c.Add(run)
	if !errors.Is(err, ErrBadDifficulty) || res.Added != 4 || c.Tip().Height != 1364 {
		t.Errorf("bad header mid-run: %+v %v tip %d", res, err, c.Tip().Height)
	}
	_ = tip
}

// TestHashIndex compares the open-addressing index with a map through
// inserts, lookups and removals (the removals of a reorganisation).
func TestHashIndex(t *testing.T) {
	var keys []chainhash.Hash
	x := hashIndex{seed: 42}
	x.keyOf = func(p uint32) uint64 { return hashKey(x.seed, (*[32]byte)(&keys[p])) & 0xff } // force collisions
	find := func(h chainhash.Hash) (uint32, bool) {
		return x.find(hashKey(x.seed, (*[32]byte)(&h))&0xff, func(p uint32) bool { return keys[p] == h })
	}
	for n := 0; n < 5000; n++ {
		var h chainhash.Hash
		h[0], h[1], h[5] = byte(n), byte(n>>8), 7
		i := len(keys)
		keys = append(keys, h)
		x.insert(x.keyOf(uint32(i)), uint32(i))
		if n%700 == 699 { // drop the newest 300, as a reorganisation does
			for j := i; j > i-300; j-- {
				x.remove(x.keyOf(uint32(j)), uint32(j))
			}
			keys = keys[:i-299]
		}
	}
	for i, h := range keys {
		if p, ok := find(h); !ok || p != uint32(i) {
			t.Fatalf("key %d: %d %v", i, p, ok)
		}
	}
	if x.n != len(keys) {
		t.Fatalf("%d entries, want %d", x.n, len(keys))
	}
	var missing chainhash.Hash
	missing[0] = 0xff
	missing[1] = 0xff
	if _, ok := find(missing); ok {
		t.Fatal("found a missing key")
	}
}

func TestChunked(t *testing.T) {
	var c chunked[int]
	for i := 0; i < 3<<chunkShift+5; i++ {
		c.push(i)
	}
	c.truncate(1<<chunkShift + 3)
	for i := 0; i < 10; i++ {
		c.push(-i)
	}
	if c.len() != 1<<chunkShift+13 || *c.at(1<<chunkShift + 2) != 1<<chunkShift+2 || *c.at(1<<chunkShift + 3) != 0 || *c.at(1<<chunkShift + 12) != -9 {
		t.Fatal("chunked after truncate and push")
	}
	for _, ch := range c.chunks {
		if cap(ch) > 1<<chunkShift {
			t.Fatalf("a chunk grew to %d", cap(ch))
		}
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	c := openRegtest(t, dir, nil)
	addBatches(t, c, mineOn(c.Params(), nil, 2500, 1), 1000)
	rep, err := c.Verify(context.Background(), nil)
	if err != nil || rep.Headers != 2500 || rep.Bytes != 2500*recordSize {
		t.Fatalf("Verify: %+v %v", rep, err)
	}
	// A bit flipped under a running chain is found.
	f, _ := os.OpenFile(filepath.Join(dir, dataFile), os.O_RDWR, 0)
	f.WriteAt([]byte{0x55}, 1234*recordSize+7)
	f.Close()
	if _, err := c.Verify(context.Background(), nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Verify after damage: %v", err)
	}
	if _, err := c.Header(1235); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Header of a damaged record: %v", err)
	}
	c.Close()
	// Reopening cuts the chain at the damaged header.
	c = openRegtest(t, dir, nil)
	defer c.Close()
	if c.Tip().Height != 1234 {
		t.Fatalf("reopened at %d", c.Tip().Height)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Verify(ctx, nil); !errors.Is(err, context.Canceled) && err != nil {
		t.Fatalf("cancelled Verify: %v", err)
	}
}

func TestSecondWriterLocked(t *testing.T) {
	dir := t.TempDir()
	c := openRegtest(t, dir, nil)
	defer c.Close()
	if _, err := Open(dir, Options{Params: RegTest()}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second writer: %v", err)
	}
	ro, err := Open(dir, Options{Params: RegTest(), ReadOnly: true})
	if err != nil {
		t.Fatalf("reader beside a writer: %v", err)
	}
	ro.Close()
}
