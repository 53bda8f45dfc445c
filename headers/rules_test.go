package headers

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

func TestGenesisHashes(t *testing.T) {
	for _, name := range Networks() {
		p, err := ParamsByName(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Genesis.BlockHash(); got != p.GenesisHash {
			t.Errorf("%s: genesis hashes to %s, params say %s", name, got, p.GenesisHash)
		}
		r := newRules(p, nil)
		if err := r.checkPoW(&p.Genesis, &p.GenesisHash, 0); err != nil {
			t.Errorf("%s: genesis proof of work: %v", name, err)
		}
	}
	// Bitcoin Core asserts this hash for testnet4's genesis (chainparams.cpp).
	want, _ := chainhash.NewHashFromStr("00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043")
	if TestNet4().GenesisHash != *want {
		t.Errorf("testnet4 genesis %s, want %s", TestNet4().GenesisHash, want)
	}
	if _, err := ParamsByName("testnet"); err == nil {
		t.Error("ParamsByName accepted an unknown name")
	}
}

// TestCompactCrossCheck compares the allocation-free target and work code
// with btcd's math/big versions on named and random nBits.
func TestCompactCrossCheck(t *testing.T) {
	named := []uint32{0x1d00ffff, 0x207fffff, 0x1e0377ae, 0x17028c61, 0x1b0404cb, 0x03123456, 0x02008000, 0x01003456, 0x04923456, 0x00000000, 0x22000001}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		named = append(named, rng.Uint32()&0x2fffffff)
	}
	for _, c := range named {
		got, neg, over := compactTarget(c)
		want := blockchain.CompactToBig(c)
		if over {
			continue // btcd's big.Int does not overflow; Core rejects these
		}
		if neg != (want.Sign() < 0) {
			t.Fatalf("%#08x: negative %v, btcd %v", c, neg, want)
		}
		if neg {
			continue
		}
		if got.big().Cmp(want) != 0 {
			t.Fatalf("%#08x: target %x, btcd %x", c, got.big(), want)
		}
		if want.Sign() > 0 {
			if w := workForTarget(got).big(); w.Cmp(blockchain.CalcWork(c)) != 0 {
				t.Fatalf("%#08x: work %x, btcd %x", c, w, blockchain.CalcWork(c))
			}
			if back := targetCompact(got); blockchain.BigToCompact(want) != back {
				t.Fatalf("%#08x: compact %#08x, btcd %#08x", c, back, blockchain.BigToCompact(want))
			}
		}
	}
}

func TestU256(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	mod := new(big.Int).Lsh(big.NewInt(1), 256)
	for i := 0; i < 2000; i++ {
		a := u256{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64() >> (rng.Uint32() % 64)}
		b := u256{rng.Uint64(), rng.Uint64(), rng.Uint64() >> (rng.Uint32() % 64), 0}
		m := rng.Uint64() >> (rng.Uint32() % 64)
		n := uint(rng.Uint32() % 256)
		check := func(op string, got u256, want *big.Int) {
			want.Mod(want, mod)
			if got.big().Cmp(want) != 0 {
				t.Fatalf("%s(%x, %x): %x, want %x", op, a.big(), b.big(), got.big(), want)
			}
		}
		check("add", a.add(b), new(big.Int).Add(a.big(), b.big()))
		check("sub", a.sub(b), new(big.Int).Sub(a.big(), b.big()))
		check("mul", a.mul64(m), new(big.Int).Mul(a.big(), new(big.Int).SetUint64(m)))
		check("lsh", a.lsh(n), new(big.Int).Lsh(a.big(), n))
		if got, want := a.cmp(b), a.big().Cmp(b.big()); got != want {
			t.Fatalf("cmp: %d, want %d", got, want)
		}
	}
}

func TestMinVersion(t *testing.T) {
	p := MainNet()
	for _, tc := range []struct {
		height int32
		want   int32
	}{{0, 0}, {227930, 0}, {227931, 2}, {363724, 2}, {363725, 3}, {388380, 3}, {388381, 4}, {900000, 4}} {
		if got := p.minVersion(tc.height); got != tc.want {
			t.Errorf("mainnet min version at %d: %d, want %d", tc.height, got, tc.want)
		}
	}
	// btcd's regtest: BIP34 never, BIP66 at 1251, BIP65 at 1351.
	r := RegTest()
	for _, tc := range []struct{ height, want int32 }{{1, 0}, {1250, 0}, {1251, 3}, {1351, 4}} {
		if got := r.minVersion(tc.height); got != tc.want {
			t.Errorf("regtest min version at %d: %d, want %d", tc.height, got, tc.want)
		}
	}
}

func TestMedianTime(t *testing.T) {
	for _, tc := range []struct {
		name    string
		times   []uint32
		partial bool
		want    uint32
	}{
		{"genesis alone", []uint32{100}, false, 100},
		{"three", []uint32{5, 1, 3}, false, 3},
		{"eleven", []uint32{11, 1, 10, 2, 9, 3, 8, 4, 7, 5, 6}, false, 6},
		{"ring wraps", []uint32{100, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, false, 6},
		{"partial five: no bound", []uint32{50, 40, 30, 20, 10}, true, 0},
		{"partial six: lowest", []uint32{50, 40, 30, 20, 10, 60}, true, 10},
		{"partial ten: fifth", []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, true, 5},
		{"partial full window is exact", []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, true, 6},
	} {
		s := vstate{partial: tc.partial}
		for _, x := range tc.times {
			s.pushTime(x)
		}
		if got := s.medianTime(); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestRetargetBoundaries recomputes every mainnet difficulty adjustment in
// the boundary file from the period's first and last headers.
func TestRetargetBoundaries(t *testing.T) {
	b := boundaries(t)
	if b == nil {
		t.Skip("real data not found; the clamp table below still runs")
	}
	p := MainNet()
	n := 0
	for k := int32(1); ; k++ {
		last, ok1 := b[2016*k-1]
		next, ok2 := b[2016*k]
		first, ok3 := b[2016*(k-1)]
		if !ok1 || !ok2 || !ok3 {
			break
		}
		span := last.Timestamp.Unix() - first.Timestamp.Unix()
		if got := p.retarget(last.Bits, span); got != next.Bits {
			t.Errorf("retarget at %d: %#08x, mainnet has %#08x", 2016*k, got, next.Bits)
		}
		n++
	}
	if n != 413 {
		t.Errorf("recomputed %d retargets, want 413", n)
	}
}

func TestRetargetClamp(t *testing.T) {
	p := MainNet()
	two := int64(14 * 24 * 3600)
	const bits = 0x1b0404cb
	base, _, _ := compactTarget(bits)
	for _, tc := range []struct {
		name string
		span int64
		mul  int64 // expected target = base*mul/4
	}{
		{"exact", two, 4}, {"quarter clamps", two / 10, 1}, {"four clamps", two * 10, 16}, {"half", two / 2, 2},
	} {
		want := base.big()
		want.Mul(want, big.NewInt(tc.mul))
		want.Quo(want, big.NewInt(4))
		if got := p.retarget(bits, tc.span); got != blockchain.BigToCompact(want) {
			t.Errorf("%s: %#08x, want %#08x", tc.name, got, blockchain.BigToCompact(want))
		}
	}
	if got := p.retarget(0x1d00ffff, two*4); got != 0x1d00ffff {
		t.Errorf("easier than the limit: %#08x, want the limit", got)
	}
}

// TestTestnetMinDifficulty checks the 20-minute rule and the walk back to
// the period's nBits on testnet3, against btcd's own calculation.
func TestTestnetMinDifficulty(t *testing.T) {
	p := TestNet3()
	r := newRules(p, nil)
	s := vstate{height: 4033, bits: p.PowLimitBits, time: 1000000, periodTime: 900000, periodBits: 0x1c0fffff}
	if got := r.nextBits(&s, s.time+1200); got != 0x1c0fffff {
		t.Errorf("20 minutes later: %#08x, want the period's %#08x", got, 0x1c0fffff)
	}
	if got := r.nextBits(&s, s.time+1201); got != p.PowLimitBits {
		t.Errorf("20 minutes and 1 s later: %#08x, want the limit", got)
	}
	s.height = 4031 // the child is a period start: retarget from the last nBits
	if got, want := r.nextBits(&s, s.time), p.retarget(s.bits, int64(s.time-s.periodTime)); got != want {
		t.Errorf("retarget: %#08x, want %#08x", got, want)
	}
	p4 := TestNet4()
	r4 := newRules(p4, nil)
	if got, want := r4.nextBits(&s, s.time), p4.retarget(s.periodBits, int64(s.time-s.periodTime)); got != want {
		t.Errorf("BIP94 retarget from the period's first nBits: %#08x, want %#08x", got, want)
	}
}

func TestRuleErrorIs(t *testing.T) {
	var h chainhash.Hash
	err := ruleErr(ErrHighHash, 7, &h, "x")
	wrapped := errors.Join(errors.New("context"), err)
	if !errors.Is(wrapped, ErrHighHash) || errors.Is(wrapped, ErrBadVersion) {
		t.Error("errors.Is does not see the code")
	}
	var re *RuleError
	if !errors.As(wrapped, &re) || re.Height != 7 {
		t.Error("errors.As does not find the RuleError")
	}
	if ErrorCode(99).String() != "ErrorCode(99)" || ErrHighHash.String() != "high-hash" {
		t.Error("String")
	}
	_ = time.Second
	_ = wire.BlockHeader{}
}

// TestTimewarpBIP94 checks testnet4's rule on a period's first header, and
// that testnet3 does not have it.
func TestTimewarpBIP94(t *testing.T) {
	for _, tc := range []struct {
		p    *Params
		back int64
		want error
	}{
		{TestNet4(), 601, ErrTimewarp}, {TestNet4(), 600, ErrHighHash}, {TestNet3(), 601, ErrHighHash},
	} {
		r := newRules(tc.p, nil)
		s := vstate{height: 4031, bits: 0x1c0fffff, periodTime: 9000, periodBits: 0x1c0fffff}
		for i := 0; i < 10; i++ {
			s.pushTime(1000)
		}
		s.time = 1_000_000
		s.pushTime(s.time)
		h := wire.BlockHeader{Version: 4, PrevBlock: s.hash, Timestamp: time.Unix(int64(s.time)-tc.back, 0)}
		h.Bits = r.nextBits(&s, uint32(h.Timestamp.Unix()))
		hash := h.BlockHash()
		if err := r.check(&s, &h, &hash, 2e9); !errors.Is(err, tc.want) {
			t.Errorf("%s, %d s back: %v, want %v", tc.p.Name, tc.back, err, tc.want)
		}
	}
}
