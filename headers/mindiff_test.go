package headers

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"
	"github.com/jonboulle/clockwork"
)

// easyTestnet is testnet3's rules (retargeting, the 20-minute rule) with
// regtest's easy proof of work, so that tests can mine chains that cross
// retargets and hold minimum-difficulty headers. bip94 adds testnet4's
// rules.
func easyTestnet(bip94 bool) *Params {
	p := TestNet3()
	r := RegTest()
	p.Name, p.Genesis, p.GenesisHash = "easy-testnet", r.Genesis, r.GenesisHash
	p.PowLimitBits, p.powLimit = r.PowLimitBits, r.powLimit
	p.BIP34Height, p.BIP65Height, p.BIP66Height = 1, 1, 1
	p.Pins, p.EnforceBIP94 = nil, bip94
	return p
}

// mineRules mines n headers on the chain c's tip with the nBits the rules
// require; gap(i) is the time since the parent.
func mineRules(t *testing.T, c *Chain, n int, seed uint32, gap func(i int) int64) []wire.BlockHeader {
	t.Helper()
	c.mu.Lock()
	st := c.s.tip
	c.mu.Unlock()
	r := newRules(c.Params(), nil)
	hs := make([]wire.BlockHeader, n)
	for i := range hs {
		h := &hs[i]
		*h = wire.BlockHeader{Version: 0x20000000, PrevBlock: st.hash, Timestamp: time.Unix(int64(st.time)+gap(i), 0)}
		binary.LittleEndian.PutUint32(h.MerkleRoot[:], seed)
		binary.LittleEndian.PutUint32(h.MerkleRoot[4:], uint32(i))
		h.Bits = r.nextBits(&st, uint32(h.Timestamp.Unix()))
		target, _, _ := compactTarget(h.Bits)
		for {
			hash := headerHash(h)
			if hashToU256(&hash).cmp(target) <= 0 {
				r.advance(&st, h, &hash)
				break
			}
			h.Nonce++
		}
	}
	return hs
}

// TestMinDifficultyStore stores a chain with retargets and testnet's
// minimum-difficulty headers, whose nBits the records do not hold, and
// checks that every header, the chain work and a reorganisation come back
// exactly after reopening.
func TestMinDifficultyStore(t *testing.T) {
	for _, bip94 := range []bool{false, true} {
		t.Run(fmt.Sprint("bip94=", bip94), func(t *testing.T) {
			p := easyTestnet(bip94)
			dir := t.TempDir()
			c, err := Open(dir, Options{Params: p, Checkpoint: ptr(GenesisCheckpoint(p)), Clock: clockwork.NewFakeClockAt(time.Unix(4e9, 0))})
			if err != nil {
				t.Fatal(err)
			}
			// Fast headers make the difficulty rise at each retarget; every
			// 7th comes after 21 minutes and takes the minimum difficulty.
			gap := func(i int) int64 {
				if i%7 == 3 {
					return 1260
				}
				return 60
			}
			hs := mineRules(t, c, 3*2016+100, 1, gap)
			addBatches(t, c, hs, 2000)
			bits := map[uint32]int{}
			want := WorkOf(p.Genesis.Bits)
			for _, h := range hs {
				bits[h.Bits]++
				want.Add(want, WorkOf(h.Bits))
			}
			if len(bits) < 4 || bits[p.PowLimitBits] < 800 {
				t.Fatalf("the chain does not exercise the rules: %v", bits)
			}
			c.Close()
			c, err = Open(dir, Options{Params: p, Clock: clockwork.NewFakeClockAt(time.Unix(4e9, 0))})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			checkChain(t, c, hs)
			if tip := c.Tip(); tip.Work.Cmp(want) != 0 {
				t.Fatalf("work %x, want %x", tip.Work, want)
			}
			for _, h := range []int32{2015, 2016, 2017, 4032, 5000} {
				info, err := c.Lookup(hashOf(hs[h-1]))
				w := WorkOf(p.Genesis.Bits)
				for _, x := range hs[:h] {
					w.Add(w, WorkOf(x.Bits))
				}
				if err != nil || info.Work.Cmp(w) != 0 {
					t.Fatalf("work at %d: %v %v", h, info.Work, err)
				}
			}
			// A branch from below the last retarget with more work.
			c.mu.Lock()
			c.s.truncateMem(4000) // mine from height 4000 without touching flash
			c.mu.Unlock()
			br := mineRules(t, c, 2300, 2, func(int) int64 { return 60 })
			c.Close()
			c, err = Open(dir, Options{Params: p, Clock: clockwork.NewFakeClockAt(time.Unix(4e9, 0))})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			res, err := c.Add(br)
			if err != nil || res.Event == nil || res.Event.ForkHeight != 4000 {
				t.Fatalf("reorg: %+v %v", res.Event, err)
			}
			checkChain(t, c, append(append([]wire.BlockHeader{}, hs[:4000]...), br...))
			if _, err := c.Verify(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
