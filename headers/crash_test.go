package headers

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// crashScenario is a sequence of Adds over a store, with the best chain
// expected after each: growth, a header far in time (an extension slot), a
// side branch, a reorganisation through the journal, and growth on top.
type crashScenario struct {
	steps [][]wire.BlockHeader
	best  [][]wire.BlockHeader // the best chain after each step (0: none)
}

func newCrashScenario() crashScenario {
	p := RegTest()
	a := mineOn(p, nil, 30, 1)
	far := a[len(a)-1]
	far.Timestamp = far.Timestamp.Add(-600*time.Second + 40000*time.Second) // mined 600 s later by mine
	a2 := mine(hashOf(a[29]), far.Timestamp, 10, 1)
	chainA := append(append([]wire.BlockHeader{}, a...), a2...)
	b := mineOn(p, chainA[:25], 12, 2)
	b2 := mineOn(p, b, 5, 2)
	c := mineOn(p, b2, 5, 3)
	chainB := append(append(append([]wire.BlockHeader{}, chainA[:25]...), b...), b2...)
	chainC := append(append([]wire.BlockHeader{}, chainB...), c...)
	return crashScenario{
		steps: [][]wire.BlockHeader{a, a2, b, b2, c},
		best:  [][]wire.BlockHeader{nil, a, chainA, chainA, chainB, chainC},
	}
}

// run replays the scenario on fs until a step fails, and returns how many
// steps succeeded (-1: Open itself failed).
func (sc crashScenario) run(fs fsys) int {
	c, err := openFS(fs, "/store", Options{Params: RegTest(), Clock: testClock()})
	if err != nil {
		return -1
	}
	defer c.Close()
	for i, st := range sc.steps {
		if _, err := c.Add(st); err != nil {
			return i
		}
	}
	return len(sc.steps)
}

// checkChain fails unless c's best chain is exactly want.
func checkChain(t *testing.T, c *Chain, want []wire.BlockHeader) {
	t.Helper()
	tip := c.Tip()
	if tip.Height != int32(len(want)) {
		t.Fatalf("tip %d, want %d", tip.Height, len(want))
	}
	for h := int32(1); h <= tip.Height; h++ {
		got, err := c.Header(h)
		if err != nil || hashOf(got) != hashOf(want[h-1]) {
			t.Fatalf("height %d: %v", h, err)
		}
	}
}

// TestPowerCutAnywhere cuts the power after every byte and every file
// operation of the scenario, with and without the unsynced writes reaching
// the medium, and checks that the store always reopens, with one log line,
// at either the last best chain that Add reported or the one the
// interrupted Add was storing: nothing reported as stored is ever lost.
func TestPowerCutAnywhere(t *testing.T) {
	sc := newCrashScenario()
	full := newCrashFS(-1)
	if n := sc.run(full); n != len(sc.steps) {
		t.Fatalf("the scenario fails without a power cut at step %d", n)
	}
	for budget := int64(0); budget <= full.used; budget++ {
		fs := newCrashFS(budget)
		done := sc.run(fs)
		for _, keep := range []bool{false, true} {
			var log logBuf
			c, err := openFS(fs.afterCrash(keep), "/store", Options{Params: RegTest(), Clock: testClock(), Logger: log.logger()})
			if err != nil {
				t.Fatalf("budget %d keep %v: reopen: %v", budget, keep, err)
			}
			reported := sc.best[max(done, 0)]
			next := sc.best[min(max(done, 0)+1, len(sc.best)-1)]
			got := chainOf(t, c)
			if !sameChain(got, reported) && !sameChain(got, next) &&
				!(isPrefix(reported, next) && isPrefix(got, next) && len(got) > len(reported)) {
				t.Fatalf("budget %d keep %v (%d steps done): reopened at %d, reported %d, storing %d",
					budget, keep, done, len(got), len(reported), len(next))
			}
			if n := len(log.lines()); n != 1 {
				t.Fatalf("budget %d keep %v: %d log lines:\n%s", budget, keep, n, strings.Join(log.lines(), "\n"))
			}
			c.Close()
		}
	}
	t.Logf("%d power-cut points, each reopened twice", full.used+1)
}

// chainOf returns c's best chain above genesis.
func chainOf(t *testing.T, c *Chain) []chainhash.Hash {
	t.Helper()
	var out []chainhash.Hash
	for h := int32(1); h <= c.Tip().Height; h++ {
		hdr, err := c.Header(h)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, hashOf(hdr))
	}
	return out
}

func sameChain(got []chainhash.Hash, want []wire.BlockHeader) bool {
	return len(got) == len(want) && isPrefixHashes(got, want)
}

func isPrefixHashes(got []chainhash.Hash, of []wire.BlockHeader) bool {
	if len(got) > len(of) {
		return false
	}
	for i := range got {
		if got[i] != hashOf(of[i]) {
			return false
		}
	}
	return true
}

// isPrefix reports whether a (headers or hashes) is a prefix of b.
func isPrefix[T []wire.BlockHeader | []chainhash.Hash](a T, b []wire.BlockHeader) bool {
	switch a := any(a).(type) {
	case []chainhash.Hash:
		return isPrefixHashes(a, b)
	case []wire.BlockHeader:
		hs := make([]chainhash.Hash, len(a))
		for i := range a {
			hs[i] = hashOf(a[i])
		}
		return isPrefixHashes(hs, b)
	}
	return false
}

// buildStore makes a regtest store on disk whose last Add stored last,
// and returns its directory and the whole chain.
func buildStore(t *testing.T, first, last []wire.BlockHeader) (string, []wire.BlockHeader) {
	dir := t.TempDir()
	c := openRegtest(t, dir, nil)
	mustAdd(t, c, first)
	mustAdd(t, c, last)
	c.Close()
	return dir, append(append([]wire.BlockHeader{}, first...), last...)
}

// copyStore copies a store directory into out (reused between calls to
// keep the every-byte loops fast), with the headers file changed by edit.
func copyStore(t *testing.T, dir, out string, edit func([]byte) []byte) string {
	for _, name := range []string{metaFile, dataFile, journalFile} {
		os.Remove(filepath.Join(out, name))
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if name == dataFile {
			b = edit(append([]byte(nil), b...))
		}
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// expectReopen opens dir and checks it stands at the longest prefix of
// chain that fits in the first good bytes of the headers file, after
// exactly one log line (a warning when bytes were dropped).
func expectReopen(t *testing.T, dir string, chain []wire.BlockHeader, good int64, what string) {
	t.Helper()
	st, err := os.Stat(filepath.Join(dir, dataFile))
	if err != nil {
		t.Fatal(err)
	}
	before := st.Size()
	var log logBuf
	c := openRegtest(t, dir, log.logger())
	defer c.Close()
	want, size := 0, int64(0)
	prevTime := uint32(RegTest().Genesis.Timestamp.Unix())
	for _, h := range chain {
		n := int64(recordSize)
		if needsExt(uint32(h.Timestamp.Unix()), prevTime) {
			n *= 2
		}
		if size+n > good {
			break
		}
		size += n
		want++
		prevTime = uint32(h.Timestamp.Unix())
	}
	checkChain(t, c, chain[:want])
	lines := log.lines()
	if len(lines) != 1 {
		t.Fatalf("%s: %d log lines", what, len(lines))
	}
	if recovered := strings.Contains(lines[0], "recovered"); recovered != (before != size) {
		t.Fatalf("%s: file %d bytes, %d good, log: %s", what, before, size, lines[0])
	}
	if st, _ := os.Stat(filepath.Join(dir, dataFile)); st.Size() != size {
		t.Fatalf("%s: headers file is %d bytes after reopening, want %d", what, st.Size(), size)
	}
}

// TestCutEveryByte cuts the headers file at every byte offset inside its
// last records (which include an extension slot).
func TestCutEveryByte(t *testing.T) {
	sc := newCrashScenario()
	dir, chain := buildStore(t, sc.steps[0], sc.steps[1])
	full, _ := os.ReadFile(filepath.Join(dir, dataFile))
	from := int64(len(full)) - 14*recordSize
	out := t.TempDir()
	for cut := from; cut <= int64(len(full)); cut++ {
		d := copyStore(t, dir, out, func(b []byte) []byte { return b[:cut] })
		expectReopen(t, d, chain, cut, fmt.Sprintf("cut at %d", cut))
	}
}

// TestGarbledTail overwrites the end of the headers file with random
// bytes, zeroes or 0xff, or appends zeroes (a file system that allocated
// blocks before a crash), from many offsets.
func TestGarbledTail(t *testing.T) {
	sc := newCrashScenario()
	dir, chain := buildStore(t, sc.steps[0], sc.steps[1])
	full, _ := os.ReadFile(filepath.Join(dir, dataFile))
	rng := rand.New(rand.NewPCG(7, 8))
	out := t.TempDir()
	for from := int64(len(full)) - 12*recordSize; from < int64(len(full)); from += 7 {
		for _, kind := range []string{"random", "zero", "ff", "zero-extended"} {
			d := copyStore(t, dir, out, func(b []byte) []byte {
				switch kind {
				case "random":
					for i := from; i < int64(len(b)); i++ {
						b[i] = byte(rng.Uint32())
					}
				case "zero":
					clear(b[from:])
				case "ff":
					copy(b[from:], bytes.Repeat([]byte{0xff}, len(b)))
				case "zero-extended":
					b = append(b[:from], make([]byte, 4096)...)
				}
				return b
			})
			expectReopen(t, d, chain, from, fmt.Sprintf("%s from %d", kind, from))
		}
	}
}

// TestJournalCutEveryByte interrupts a reorganisation whose journal was
// committed, with the journal itself cut at every byte: a whole journal is
// finished on reopen, a cut one is discarded and the old chain kept.
func TestJournalCutEveryByte(t *testing.T) {
	p := RegTest()
	a := mineOn(p, nil, 20, 1)
	dir, _ := buildStore(t, a[:10], a[10:])
	b := mineOn(p, a[:12], 12, 2)
	c := openRegtest(t, dir, nil)
	j, err := c.s.beginJournal(12, journalTmp)
	if err != nil {
		t.Fatal(err)
	}
	hashes := make([]chainhash.Hash, len(b))
	for i := range b {
		hashes[i] = hashOf(b[i])
	}
	if err := j.add(b, hashes); err != nil {
		t.Fatal(err)
	}
	if _, err := j.f.WriteAt(encodeJournalHeader(j.hdr), 0); err != nil {
		t.Fatal(err)
	}
	j.f.Close()
	c.Close()
	body, err := os.ReadFile(filepath.Join(dir, journalTmp))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, journalTmp))
	newChain := append(append([]wire.BlockHeader{}, a[:12]...), b...)
	out := t.TempDir()
	for cut := 0; cut <= len(body); cut++ {
		d := copyStore(t, dir, out, func(b []byte) []byte { return b })
		if err := os.WriteFile(filepath.Join(d, journalFile), body[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		var log logBuf
		c := openRegtest(t, d, log.logger())
		if cut == len(body) {
			checkChain(t, c, newChain)
		} else {
			checkChain(t, c, a)
		}
		if lines := log.lines(); len(lines) != 1 || !strings.Contains(lines[0], "journal") {
			t.Fatalf("cut %d: log %q", cut, lines)
		}
		c.Close()
		if _, err := os.Stat(filepath.Join(d, journalFile)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("cut %d: the journal is still there", cut)
		}
	}
}

// TestDamagedMeta: one damaged copy of the meta file is survivable; two
// are a clear error.
func TestDamagedMeta(t *testing.T) {
	dir := t.TempDir()
	c := openRegtest(t, dir, nil)
	mustAdd(t, c, mineOn(RegTest(), nil, 5, 1))
	c.Close()
	path := filepath.Join(dir, metaFile)
	good, _ := os.ReadFile(path)
	one := append([]byte(nil), good...)
	one[20] ^= 1
	os.WriteFile(path, one, 0o644)
	c = openRegtest(t, dir, nil)
	if c.Tip().Height != 5 {
		t.Fatal("one bad meta copy lost the chain")
	}
	c.Close()
	both := append([]byte(nil), one...)
	both[metaSize+20] ^= 1
	os.WriteFile(path, both, 0o644)
	if _, err := Open(dir, Options{Params: RegTest()}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("two bad copies: %v", err)
	}
	os.WriteFile(path, good, 0o644)
	if _, err := Open(dir, Options{Params: MainNet()}); !errors.Is(err, ErrCheckpointConflict) {
		t.Fatalf("wrong network: %v", err)
	}
}
