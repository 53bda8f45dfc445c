package compress

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/altnet/altnet/internal/mainnetdata"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// genesisHex is Bitcoin's genesis block header, a fact.
const genesisHex = "0100000000000000000000000000000000000000000000000000000000000000" +
	"000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa" +
	"4b1e5e4a29ab5f49ffff001d1dac2b7c"

func genesis(t testing.TB) wire.BlockHeader {
	b, err := hex.DecodeString(genesisHex)
	if err != nil {
		t.Fatal(err)
	}
	return parseHeader(t, b)
}

func parseHeader(t testing.TB, b []byte) wire.BlockHeader {
	var h wire.BlockHeader
	if err := h.Deserialize(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	return h
}

// syntheticChain returns n linked headers starting at height start (the
// genesis-like first one has a zero prev-hash), with BIP320-rolled
// versions of several styles, exponential time deltas with some negative
// ones, nBits retargeted by mainnet's rule at every multiple of 2016, and
// random merkle roots and nonces. It is deterministic in seed. Proof of
// work is not met; the codecs do not check it.
func syntheticChain(seed uint64, start int32, n int) []wire.BlockHeader {
	rng := rand.New(rand.NewPCG(seed, 7))
	hs := make([]wire.BlockHeader, n)
	t := int64(1_700_000_000)
	bits := uint32(0x17034219)
	var prev chainhash.Hash
	for i := range hs {
		h := &hs[i]
		height := int64(start) + int64(i)
		if i >= RetargetInterval && height%RetargetInterval == 0 {
			bits = PredictBits(bits, uint32(hs[i-RetargetInterval].Timestamp.Unix()), uint32(hs[i-1].Timestamp.Unix()))
		}
		t += int64(rng.ExpFloat64()*600) - 60
		h.Version = syntheticVersion(rng)
		h.PrevBlock = prev
		fillRandom(rng, h.MerkleRoot[:])
		h.Timestamp = time.Unix(t, 0)
		h.Bits = bits
		h.Nonce = rng.Uint32()
		prev = h.BlockHash()
	}
	return hs
}

func syntheticVersion(rng *rand.Rand) int32 {
	var rolled uint32
	switch rng.IntN(5) {
	case 0: // no rolling
	case 1: // a small counter
		rolled = rng.Uint32N(16)
	case 2: // high bits only
		rolled = rng.Uint32N(8) << 8
	default: // random in 15 bits
		rolled = rng.Uint32N(1 << 15)
	}
	base := uint32(bip9Base)
	if rng.IntN(40) == 0 {
		base |= 4 // a signalling bit
	}
	return int32(base | rolled<<rolledShift)
}

// loadRun reads a run of 80-byte headers from the data folder, skipping the
// test when it is absent.
func loadRun(t testing.TB, name string) []wire.BlockHeader {
	hs, ok := readRun(t, name)
	if !ok {
		t.Skipf("%s not in the mainnet data folder", name)
	}
	return hs
}

// readRun reads a run of 80-byte headers from the data folder, or reports
// false when it is absent.
func readRun(t testing.TB, name string) ([]wire.BlockHeader, bool) {
	p, ok := mainnetdata.Path(name)
	if !ok {
		return nil, false
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	hs := make([]wire.BlockHeader, 0, len(b)/80)
	for i := 0; i+80 <= len(b); i += 80 {
		hs = append(hs, parseHeader(t, b[i:i+80]))
	}
	return hs, true
}

// loadHexTxs reads one hex transaction per line.
func loadHexTxs(t testing.TB, path string) [][]byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var out [][]byte
	for sc.Scan() {
		b, err := hex.DecodeString(sc.Text())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: output differs from the golden file; a format change must be deliberate (run with -update)", name)
	}
}

// wantFormatError checks that err is a *FormatError wrapping want (any
// cause when want is nil).
func wantFormatError(t *testing.T, err, want error) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FormatError", err, err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("error %v does not wrap %v", err, want)
	}
}

func fillRandom(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}
