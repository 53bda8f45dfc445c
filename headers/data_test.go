package headers

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/altnet/altnet/internal/mainnetdata"
	"github.com/btcsuite/btcd/wire"
)

// Helpers that read ../shared/data. Tests call them only for the
// measurements over real data and skip those parts when the folder is
// missing; their core assertions never depend on it.

// dataRun is one consecutive run of real mainnet headers.
type dataRun struct {
	name  string
	first int32
	hdrs  []wire.BlockHeader
}

// loadRuns returns every mainnet-headers-FROM-TO.bin run in the data
// folder, or nil when the folder is missing.
func loadRuns(t testing.TB) []dataRun {
	t.Helper()
	dir, ok := mainnetdata.Dir()
	if !ok {
		return nil
	}
	names, err := filepath.Glob(filepath.Join(dir, "mainnet-headers-*-*.bin"))
	if err != nil {
		t.Fatal(err)
	}
	var runs []dataRun
	for _, n := range names {
		base := strings.TrimSuffix(filepath.Base(n), ".bin")
		f := strings.Split(base, "-")
		first, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		raw, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, dataRun{name: base, first: int32(first), hdrs: parseHeaders(t, raw)})
	}
	return runs
}

// loadRun returns the named run (without .bin) or skips the test.
func loadRun(t testing.TB, name string) dataRun {
	t.Helper()
	for _, r := range loadRuns(t) {
		if r.name == name {
			return r
		}
	}
	t.Skipf("real data %s.bin not found (see internal/mainnetdata)", name)
	return dataRun{}
}

func parseHeaders(t testing.TB, raw []byte) []wire.BlockHeader {
	t.Helper()
	if len(raw)%80 != 0 {
		t.Fatalf("%d bytes is not a run of 80-byte headers", len(raw))
	}
	hs := make([]wire.BlockHeader, len(raw)/80)
	for i := range hs {
		if err := hs[i].Deserialize(bytes.NewReader(raw[i*80 : i*80+80])); err != nil {
			t.Fatal(err)
		}
	}
	return hs
}

// loadHeaderText reads a "height header_hex" file of the data folder, or
// returns nil when it is missing.
func loadHeaderText(t testing.TB, name string) map[int32]wire.BlockHeader {
	t.Helper()
	p, ok := mainnetdata.Path(name)
	if !ok {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[int32]wire.BlockHeader{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fs := strings.Fields(line)
		h, err1 := strconv.Atoi(fs[0])
		raw, err2 := hex.DecodeString(fs[1])
		if err1 != nil || err2 != nil || len(raw) != 80 {
			t.Fatalf("%s: bad line %q", name, line)
		}
		m[int32(h)] = parseHeaders(t, raw)[0]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// boundaries is mainnet-headers-retarget-boundaries.txt: the headers at
// 2016k-1 and 2016k up to 832608 and at every 2016k up to 878976.
func boundaries(t testing.TB) map[int32]wire.BlockHeader {
	return loadHeaderText(t, "mainnet-headers-retarget-boundaries.txt")
}

// mainnetWorkAt is the mainnet chain work at height h (genesis included),
// summed from the nBits of every period's first header. Mainnet has no
// minimum-difficulty headers, so every header of a period has its nBits.
func mainnetWorkAt(t testing.TB, b map[int32]wire.BlockHeader, h int32) *big.Int {
	t.Helper()
	r := newRules(MainNet(), nil)
	var sum u256
	for p := int32(0); p*2016 <= h; p++ {
		first, ok := b[p*2016]
		if !ok {
			t.Fatalf("no boundary header at %d", p*2016)
		}
		n := min(h-p*2016+1, 2016)
		sum = sum.add(r.work(first.Bits).mul64(uint64(n)))
	}
	return sum.big()
}

// dataCheckpoint is a checkpoint at the first header of run, with the
// period fields and chain work taken from the boundary table.
func dataCheckpoint(t testing.TB, run dataRun, b map[int32]wire.BlockHeader) Checkpoint {
	t.Helper()
	ps := run.first - run.first%2016
	period, ok := b[ps]
	if !ok {
		t.Fatalf("no boundary header at %d", ps)
	}
	cp := Checkpoint{
		Height:     run.first,
		Header:     run.hdrs[0],
		Work:       mainnetWorkAt(t, b, run.first),
		PeriodTime: uint32(period.Timestamp.Unix()),
		PeriodBits: period.Bits,
	}
	if run.first == 0 {
		cp = GenesisCheckpoint(MainNet())
	}
	return cp
}
