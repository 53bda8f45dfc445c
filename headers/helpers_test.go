package headers

import (
	"bytes"
	"encoding/binary"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/jonboulle/clockwork"
)

// testNow is the fake clock of the chain tests: far enough ahead that the
// mined regtest headers are never "too new".
var testNow = time.Unix(1_900_000_000, 0)

func testClock() clockwork.Clock { return clockwork.NewFakeClockAt(testNow) }

// mine returns n regtest headers on top of prev (at time prevTime). Each
// is 600 s after its parent; seed goes into the merkle root so that two
// branches from the same parent differ. Regtest targets accept about half
// of all hashes, so this takes about two hashes per header.
func mine(prev chainhash.Hash, prevTime time.Time, n int, seed uint32) []wire.BlockHeader {
	target, _, _ := compactTarget(0x207fffff)
	hs := make([]wire.BlockHeader, n)
	for i := range hs {
		h := &hs[i]
		h.Version = 0x20000000
		h.PrevBlock = prev
		binary.LittleEndian.PutUint32(h.MerkleRoot[0:4], seed)
		binary.LittleEndian.PutUint32(h.MerkleRoot[4:8], uint32(i))
		h.Timestamp = prevTime.Add(600 * time.Second)
		h.Bits = 0x207fffff
		for {
			hash := headerHash(h)
			if hashToU256(&hash).cmp(target) <= 0 {
				prev = hash
				break
			}
			h.Nonce++
		}
		prevTime = h.Timestamp
	}
	return hs
}

// mineOn mines n headers on top of the last of hs (or genesis when empty).
func mineOn(p *Params, hs []wire.BlockHeader, n int, seed uint32) []wire.BlockHeader {
	if len(hs) == 0 {
		return mine(p.GenesisHash, p.Genesis.Timestamp, n, seed)
	}
	last := hs[len(hs)-1]
	return mine(headerHash(&last), last.Timestamp, n, seed)
}

// logBuf collects log lines for the tests that count them.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.TrimSpace(l.b.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func (l *logBuf) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// openRegtest opens (or creates) a regtest store in dir.
func openRegtest(t testing.TB, dir string, log *slog.Logger) *Chain {
	t.Helper()
	c, err := Open(dir, Options{Params: RegTest(), Clock: testClock(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mustAdd adds hs and fails the test on error.
func mustAdd(t testing.TB, c *Chain, hs []wire.BlockHeader) Result {
	t.Helper()
	res, err := c.Add(hs)
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	return res
}

// addBatches adds hs in runs of size n.
func addBatches(t testing.TB, c *Chain, hs []wire.BlockHeader, n int) {
	t.Helper()
	for len(hs) > 0 {
		k := min(n, len(hs))
		mustAdd(t, c, hs[:k])
		hs = hs[k:]
	}
}

func hashOf(h wire.BlockHeader) chainhash.Hash { return headerHash(&h) }
