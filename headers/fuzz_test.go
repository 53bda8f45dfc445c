package headers

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Fuzz targets for everything that reads store files or headers. Each one
// bounds its input, never expects a panic, and where a decoder accepts
// bytes, checks that encoding gives them back.

// seedHeaders are regtest headers and, when the data folder is there, a
// few real ones.
func seedHeaders(f *testing.F) [][]byte {
	var out [][]byte
	add := func(hs []wire.BlockHeader) {
		var b bytes.Buffer
		for i := range hs {
			_ = hs[i].Serialize(&b)
		}
		out = append(out, b.Bytes())
	}
	add(mineOn(RegTest(), nil, 3, 1))
	add([]wire.BlockHeader{MainNet().Genesis})
	for _, r := range loadRuns(f) {
		add(r.hdrs[:min(3, len(r.hdrs))])
	}
	return out
}

func FuzzRecord(f *testing.F) {
	p := RegTest()
	hs := mineOn(p, nil, 2, 1)
	far := hs[1]
	far.Timestamp = far.Timestamp.Add(100000 * time.Second)
	for _, h := range []wire.BlockHeader{hs[0], far} {
		rec := appendRecord(nil, &h, &p.GenesisHash, uint32(p.Genesis.Timestamp.Unix()))
		f.Add(rec, p.GenesisHash[:], uint32(p.Genesis.Timestamp.Unix()))
	}
	f.Fuzz(func(t *testing.T, rec, prev []byte, prevTime uint32) {
		if len(rec) > 2*recordSize || len(prev) != 32 {
			return
		}
		var ph chainhash.Hash
		copy(ph[:], prev)
		var r, ext []byte
		r = rec[:min(len(rec), recordSize)]
		if len(rec) > recordSize {
			ext = rec[recordSize:]
		}
		var h wire.BlockHeader
		usedExt, err := decodeRecord(r, ext, &ph, prevTime, &h)
		if err != nil {
			return
		}
		want := rec[:recordSize]
		if usedExt {
			want = rec[:2*recordSize]
		}
		if got := appendRecord(nil, &h, &ph, prevTime); !bytes.Equal(got, want) {
			t.Fatalf("record does not round-trip:\n%x\n%x", got, want)
		}
	})
}

func FuzzMeta(f *testing.F) {
	for _, p := range []*Params{MainNet(), RegTest()} {
		f.Add(encodeMeta(meta{net: p.Net, cp: DefaultCheckpoint(p)}))
	}
	cp := GenesisCheckpoint(RegTest())
	cp.PrevTimes = []uint32{1, 2}
	f.Add(encodeMeta(meta{net: wire.TestNet, cp: cp}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMeta(b)
		if err != nil {
			return
		}
		if p, err := ParamsByNet(m.net); err == nil {
			_, _ = m.cp.normalize(p)
		}
		if m.cp.Work.BitLen() > 256 {
			t.Fatal("work wider than 256 bits")
		}
		again, err := decodeMeta(encodeMeta(m))
		if err != nil || again.cp.Header != m.cp.Header || again.cp.Work.Cmp(m.cp.Work) != 0 || len(again.cp.PrevTimes) != len(m.cp.PrevTimes) {
			t.Fatalf("meta does not round-trip: %v", err)
		}
	})
}

func FuzzJournalHeader(f *testing.F) {
	f.Add(encodeJournalHeader(journalHeader{forkHeight: 7, forkHash: chainhash.Hash{1}, count: 3}))
	f.Fuzz(func(t *testing.T, b []byte) {
		j, err := decodeJournalHeader(b)
		if err != nil {
			return
		}
		if !bytes.Equal(encodeJournalHeader(j), b[:journalHead]) {
			t.Fatal("journal header does not round-trip")
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add(DefaultCheckpoint(MainNet()).String())
	f.Add(GenesisCheckpoint(TestNet3()).String() + ":123:1d00ffff")
	f.Add("1:00:1")
	f.Fuzz(func(t *testing.T, s string) {
		cp, err := ParseCheckpoint(s)
		if err != nil {
			return
		}
		for _, name := range Networks() {
			p, _ := ParamsByName(name)
			_, _ = cp.normalize(p)
		}
		back, err := ParseCheckpoint(cp.String())
		if err != nil || back.Height != cp.Height || back.Header != cp.Header || back.Work.Cmp(cp.Work) != 0 {
			t.Fatalf("checkpoint does not round-trip: %q: %v", cp.String(), err)
		}
	})
}

// FuzzOpenStore opens a regtest store whose headers file (and journal) are
// arbitrary bytes: the open must succeed at the last good header or fail
// with an error, and what it opens must verify.
func FuzzOpenStore(f *testing.F) {
	p := RegTest()
	hs := mineOn(p, nil, 6, 1)
	var good []byte
	prev, prevTime := p.GenesisHash, uint32(p.Genesis.Timestamp.Unix())
	for i := range hs {
		good = appendRecord(good, &hs[i], &prev, prevTime)
		prev, prevTime = hashOf(hs[i]), uint32(hs[i].Timestamp.Unix())
	}
	f.Add(good, []byte(nil))
	f.Add(good[:100], append(encodeJournalHeader(journalHeader{forkHeight: 1, forkHash: hashOf(hs[0]), count: 1}), good[recordSize:2*recordSize]...))
	f.Fuzz(func(t *testing.T, data, journal []byte) {
		if len(data) > 64*recordSize || len(journal) > 64*recordSize {
			return
		}
		fs := newCrashFS(-1)
		c, err := openFS(fs, "/s", Options{Params: p, Clock: testClock()})
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		writeMem(fs, "/s/"+dataFile, data)
		if journal != nil {
			writeMem(fs, "/s/"+journalFile, journal)
		}
		c, err = openFS(fs, "/s", Options{Params: p, Clock: testClock()})
		if err != nil {
			return
		}
		defer c.Close()
		if c.Tip().Height > int32(len(data)/recordSize+len(journal)/recordSize) {
			t.Fatalf("tip %d from %d bytes", c.Tip().Height, len(data))
		}
		if _, err := c.Verify(context.Background(), nil); err != nil {
			t.Fatalf("opened store does not verify: %v", err)
		}
	})
}

func writeMem(fs *crashFS, name string, b []byte) {
	n := &memNode{data: append([]byte(nil), b...), synced: append([]byte(nil), b...)}
	fs.names[name], fs.durable[name] = n, n
}

// fuzzChain is a regtest chain of 20 mined headers in memory.
func fuzzChain(t *testing.T) (*Chain, []wire.BlockHeader) {
	p := RegTest()
	c, err := openFS(newCrashFS(-1), "/s", Options{Params: p, Clock: testClock()})
	if err != nil {
		t.Fatal(err)
	}
	hs := mineOn(p, nil, 20, 1)
	if _, err := c.Add(hs); err != nil {
		t.Fatal(err)
	}
	return c, hs
}

// headersOf splits b into 80-byte headers (at most max).
func headersOf(b []byte, max int) []wire.BlockHeader {
	var hs []wire.BlockHeader
	for len(b) >= 80 && len(hs) < max {
		var h wire.BlockHeader
		_ = h.Deserialize(bytes.NewReader(b[:80]))
		hs = append(hs, h)
		b = b[80:]
	}
	return hs
}

// okError reports whether err is one of the outcomes Add documents.
func okError(err error) bool {
	var re *RuleError
	return err == nil || errors.As(err, &re) || errors.Is(err, ErrBranchTooLong) ||
		errors.Is(err, ErrUnexpected) || errors.Is(err, ErrNotWanted) || errors.Is(err, ErrReverseTooLong) ||
		errors.Is(err, ErrRedownloadMismatch) || errors.Is(err, ErrReverseDone)
}

// FuzzAdd feeds arbitrary headers to a chain, alone and glued onto mined
// ones (so that some connect and fail deeper rules).
func FuzzAdd(f *testing.F) {
	for _, s := range seedHeaders(f) {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, b []byte, at uint8) {
		c, base := fuzzChain(t)
		defer c.Close()
		hs := headersOf(b, 64)
		if len(hs) > 0 {
			hs[0].PrevBlock = hashOf(base[int(at)%len(base)])
		}
		if _, err := c.Add(hs); !okError(err) {
			t.Fatalf("Add: %v", err)
		}
		if _, err := c.Verify(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzSync feeds arbitrary replies to a Syncer and headers to a reverse
// sync.
func FuzzSync(f *testing.F) {
	for _, s := range seedHeaders(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, base := fuzzChain(t)
		defer c.Close()
		hs := headersOf(b, 64)
		sy := c.NewSyncer()
		if _, err := sy.HandleHeaders(hs); !okError(err) {
			t.Fatalf("HandleHeaders: %v", err)
		}
		if len(hs) == 0 {
			return
		}
		rs, err := c.NewReverseSync(hs[len(hs)-1])
		if err != nil {
			if !okError(err) {
				t.Fatalf("NewReverseSync: %v", err)
			}
			return
		}
		for i := len(hs) - 2; i >= 0; i-- {
			if _, err := rs.Add(hs[i]); !okError(err) {
				t.Fatalf("reverse Add: %v", err)
			}
		}
		_, _ = rs.Add(base[0])
		if _, err := c.Verify(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	})
}
