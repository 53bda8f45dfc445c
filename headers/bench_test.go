package headers

import (
	"crypto/sha256"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/jonboulle/clockwork"
)

// BenchmarkHeaders measures the figures of docs/headers.md; scripts/bench.sh
// prints them as a table. Rates are quoted against sha256d, the raw
// double-SHA256 rate of 80-byte headers measured in the same run.
func BenchmarkHeaders(b *testing.B) {
	b.Run("sha256d", benchSHA256d)
	b.Run("validate", benchValidate)
	b.Run("validate-vs-sha256d", benchRatio)
	b.Run("append-2000", func(b *testing.B) { benchAppend(b, 2000) })
	b.Run("append-1", func(b *testing.B) { benchAppend(b, 1) })
	b.Run("by-height", benchByHeight)
	b.Run("by-hash", benchByHash)
	b.Run("open-1M", benchOpen)
}

// rawHeaders are 1000 distinct 80-byte buffers for the raw hashing rate.
func rawHeaders() [][80]byte {
	raws := make([][80]byte, 1000)
	for i := range raws {
		raws[i][76], raws[i][77] = byte(i), byte(i>>8)
	}
	return raws
}

// sink keeps the compiler from dropping the raw hashing.
var sink byte

func benchSHA256d(b *testing.B) {
	raws := rawHeaders()
	i := 0
	for b.Loop() {
		s := sha256.Sum256(raws[i%len(raws)][:])
		s = sha256.Sum256(s[:])
		sink ^= s[0]
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

// validationRun is what the validation benchmark checks: the 2023-24 run
// of real mainnet headers when the data folder is there, regtest headers
// otherwise.
func validationRun(b *testing.B) (vstate, *rules, []wire.BlockHeader) {
	if runs := loadRuns(b); runs != nil {
		for _, r := range runs {
			if r.name == "mainnet-headers-822528-830592" {
				cp := dataCheckpoint(b, r, boundaries(b))
				return cp.state(), newRules(MainNet(), nil), r.hdrs[1:]
			}
		}
	}
	p := RegTest()
	return GenesisCheckpoint(p).state(), newRules(p, nil), mineOn(p, nil, 8000, 1)
}

// benchValidate checks headers against every consensus rule, hashing
// included, as Add and Open do.
func benchValidate(b *testing.B) {
	start, r, hs := validationRun(b)
	st := start
	now := time.Unix(2_000_000_000, 0).Unix()
	i := 0
	for b.Loop() {
		if i == len(hs) {
			st, i = start, 0
		}
		hash := headerHash(&hs[i])
		if err := r.connect(&st, &hs[i], &hash, now); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "headers/s")
}

// benchRatio interleaves blocks of 1000 raw double-SHA256 hashes and 1000
// header validations, so that both see the same machine load, and reports
// validation speed as a ratio of the raw hashing speed (the target is at
// least 0.5).
func benchRatio(b *testing.B) {
	start, r, hs := validationRun(b)
	st := start
	now := time.Unix(2_000_000_000, 0).Unix()
	const block = 1000
	raws := rawHeaders()
	var tHash, tCheck time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		for k := range raws {
			s := sha256.Sum256(raws[k][:])
			s = sha256.Sum256(s[:])
			sink ^= s[0]
		}
		t1 := time.Now()
		for k := 0; k < block; k++ {
			if i == len(hs) {
				st, i = start, 0
			}
			hash := headerHash(&hs[i])
			if err := r.connect(&st, &hs[i], &hash, now); err != nil {
				b.Fatal(err)
			}
			i++
		}
		tHash, tCheck = tHash+t1.Sub(t0), tCheck+time.Since(t1)
	}
	n := float64(b.N * block)
	b.ReportMetric(n/tHash.Seconds(), "sha256d/s")
	b.ReportMetric(n/tCheck.Seconds(), "validated/s")
	b.ReportMetric(tHash.Seconds()/tCheck.Seconds(), "ratio")
}

// benchAppend adds regtest headers through Chain.Add in runs of n: checks,
// records, one write and one fsync a run.
func benchAppend(b *testing.B, n int) {
	// Regtest headers 600 s apart from 2011: a clock in 2096 leaves room
	// for 4.5 million of them.
	late := clockwork.NewFakeClockAt(time.Unix(4_000_000_000, 0))
	c, err := Open(b.TempDir(), Options{Params: RegTest(), Clock: late})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	runs := (b.N + n - 1) / n
	p := RegTest()
	prev, t := p.GenesisHash, p.Genesis.Timestamp
	batches := make([][]wire.BlockHeader, runs)
	for i := range batches {
		batches[i] = mine(prev, t, n, uint32(i))
		prev, t = hashOf(batches[i][n-1]), batches[i][n-1].Timestamp
	}
	b.ResetTimer()
	for _, hs := range batches {
		if _, err := c.Add(hs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(runs*n)/b.Elapsed().Seconds(), "headers/s")
}

func benchByHeight(b *testing.B) {
	c := openMillion(b)
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		if _, err := c.Header(int32(rng.IntN(millionHeaders) + 1)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

func benchByHash(b *testing.B) {
	c := openMillion(b)
	rng := rand.New(rand.NewPCG(1, 2))
	hashes := make([]chainhash.Hash, 4096)
	for i := range hashes {
		hashes[i], _ = c.Hash(int32(rng.IntN(millionHeaders) + 1))
	}
	i := 0
	for b.Loop() {
		if _, ok := c.Height(hashes[i%len(hashes)]); !ok {
			b.Fatal("not found")
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

func openMillion(b *testing.B) *Chain {
	c, err := Open(millionStore(b), Options{Params: RegTest(), Clock: millionClock(), ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// benchOpen opens the million-header store (checking every header again)
// and reports its size on flash, and the open time and peak memory of a
// fresh process that opens it (the way a daemon starts).
func benchOpen(b *testing.B) {
	dir := millionStore(b)
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		c, err := Open(dir, Options{Params: RegTest(), Clock: millionClock()})
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
	b.StopTimer()
	apparent, _, err := storeBytes(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(apparent)/millionHeaders, "bytes/header")
	if _, err := os.Stat("/proc/self/status"); err == nil {
		_, open, hwm := openInChild(b, dir)
		b.ReportMetric(float64(hwm)/(1<<20), "MB-peak-RSS")
		b.ReportMetric(float64(open.Milliseconds()), "ms-fresh-open")
	}
}
