package headers

import (
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// openMainnet creates a mainnet store at cp in a temporary directory.
func openMainnet(t testing.TB, cp Checkpoint) *Chain {
	t.Helper()
	c, err := Open(t.TempDir(), Options{Params: MainNet(), Checkpoint: &cp, Clock: testClock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestDefaultCheckpoint checks the embedded mainnet checkpoint: always its
// proof of work and hash, and with the data folder its provenance (the
// header in the boundary file, the chain work summed from it, and the same
// sum at 822528 against bitcoinj's recorded chain work).
func TestDefaultCheckpoint(t *testing.T) {
	p := MainNet()
	cp := DefaultCheckpoint(p)
	if _, err := cp.normalize(p); err != nil {
		t.Fatal(err)
	}
	if got := cp.Header.BlockHash().String(); got != "00000000000000000002819359a9af460f342404bec23e7478512a619584083b" || cp.Height != 878976 {
		t.Fatalf("checkpoint %d %s", cp.Height, got)
	}
	back, err := ParseCheckpoint(cp.String())
	if err != nil || back.Header != cp.Header || back.Work.Cmp(cp.Work) != 0 {
		t.Fatalf("String/Parse round trip: %v", err)
	}
	if g := DefaultCheckpoint(RegTest()); g.Height != 0 || g.Header.BlockHash() != RegTest().GenesisHash {
		t.Fatal("regtest default is not genesis")
	}
	b := boundaries(t)
	if b == nil {
		t.Skip("real data not found: provenance not rechecked")
	}
	if hashOf(b[878976]) != cp.Header.BlockHash() {
		t.Error("the embedded header is not the boundary file's 878976")
	}
	if w := mainnetWorkAt(t, b, 878976); w.Cmp(cp.Work) != 0 {
		t.Errorf("embedded work %x, summed from the boundary file %x", cp.Work, w)
	}
	bitcoinj, _ := new(big.Int).SetString("624c5a3c876e3e6fffd9c800", 16)
	if w := mainnetWorkAt(t, b, 822528); w.Cmp(bitcoinj) != 0 {
		t.Errorf("work at 822528 %x, bitcoinj's checkpoint file says %x", w, bitcoinj)
	}
}

// TestRealRunsValidate stores every run of real mainnet headers, each from
// a checkpoint at its first header, and checks the tip's chain work against
// the sum from the boundary file.
func TestRealRunsValidate(t *testing.T) {
	runs := loadRuns(t)
	b := boundaries(t)
	if runs == nil || b == nil {
		t.Skip("real data not found")
	}
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			c := openMainnet(t, dataCheckpoint(t, run, b))
			hs := run.hdrs[1:]
			addBatches(t, c, hs, 2000)
			tip := c.Tip()
			last := run.first + int32(len(run.hdrs)) - 1
			if tip.Height != last || tip.Hash != hashOf(run.hdrs[len(run.hdrs)-1]) {
				t.Fatalf("tip %d, want %d", tip.Height, last)
			}
			if want := mainnetWorkAt(t, b, last); tip.Work.Cmp(want) != 0 {
				t.Fatalf("chain work %x, want %x", tip.Work, want)
			}
			st, err := os.Stat(filepath.Join(c.Dir(), dataFile))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d headers, %.3f bytes/header in the headers file", len(hs), float64(st.Size())/float64(max(1, len(hs))))
		})
	}
}

// TestRealBitFlips flips every bit of every field of real headers (every
// 16th of the 2023-24 run and every 64th of the 2009 run, and each period's
// first) and checks that each variant is refused for the rule its field
// breaks.
func TestRealBitFlips(t *testing.T) {
	for _, tc := range []struct {
		name  string
		every int
	}{{"mainnet-headers-822528-830592", 16}, {"mainnet-headers-000000-014131", 64}} {
		t.Run(tc.name, func(t *testing.T) {
			run := loadRun(t, tc.name)
			c := openMainnet(t, dataCheckpoint(t, run, boundaries(t)))
			addBatches(t, c, run.hdrs[1:], 2000)
			checked := 0
			for i := 16; i < len(run.hdrs); i++ {
				if height := run.first + int32(i); i%tc.every == 0 || height%2016 == 0 {
					checked += flipAll(t, c, run, i)
				}
			}
			if tip := c.Tip(); tip.Height != run.first+int32(len(run.hdrs))-1 {
				t.Fatalf("a flipped header moved the tip to %d", tip.Height)
			}
			t.Logf("%d single-bit variants refused with the right rule", checked)
		})
	}
}

// flipAll adds every single-bit variant of the run's header i.
func flipAll(t *testing.T, c *Chain, run dataRun, i int) int {
	height := run.first + int32(i)
	var times []uint32
	for _, h := range run.hdrs[i-11 : i] {
		times = append(times, uint32(h.Timestamp.Unix()))
	}
	sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
	var raw [80]byte
	putHeader(&raw, &run.hdrs[i])
	for bit := 0; bit < 640; bit++ {
		f := raw
		f[bit/8] ^= 1 << (bit % 8)
		var h wire.BlockHeader
		_ = h.Deserialize(bytesReader(f[:]))
		want := flipWant(bit, &h, c.Params().minVersion(height), times[5], testNow.Unix())
		_, err := c.Add([]wire.BlockHeader{h})
		if !errors.Is(err, want) {
			t.Fatalf("height %d bit %d (%s): %v, want %v", height, bit, fieldOf(bit), err, want)
		}
		var re *RuleError
		if errors.As(err, &re) && want != ErrUnknownParent && (re.Height != height || re.Hash != h.BlockHash()) {
			t.Fatalf("height %d bit %d: error names %d %s", height, bit, re.Height, re.Hash)
		}
	}
	return 640
}

// flipWant is the rule a header with one flipped bit breaks: the field's
// own rule when the new value breaks it, and proof of work otherwise.
func flipWant(bit int, h *wire.BlockHeader, minVersion int32, mtp uint32, now int64) ErrorCode {
	switch fieldOf(bit) {
	case "version":
		if h.Version < minVersion {
			return ErrBadVersion
		}
	case "prev":
		return ErrUnknownParent
	case "time":
		t := uint32(h.Timestamp.Unix())
		if t <= mtp {
			return ErrTimeTooOld
		}
		if int64(t) > now+MaxFutureDrift {
			return ErrTimeTooNew
		}
	case "bits":
		return ErrBadDifficulty
	}
	return ErrHighHash
}

func fieldOf(bit int) string {
	switch b := bit / 8; {
	case b < 4:
		return "version"
	case b < 36:
		return "prev"
	case b < 68:
		return "merkle"
	case b < 72:
		return "time"
	case b < 76:
		return "bits"
	}
	return "nonce"
}

// TestRealStaleBranch adds the real stale header 823226: it becomes a side
// branch and the tip does not move, both when the tip is far ahead and when
// the stale header ties with it.
func TestRealStaleBranch(t *testing.T) {
	run := loadRun(t, "mainnet-headers-822528-830592")
	b := boundaries(t)
	stale, ok := loadHeaderText(t, "mainnet-stale-headers.txt")[823226]
	if !ok {
		t.Skip("mainnet-stale-headers.txt not found")
	}
	for _, upTo := range []int32{830592, 823226} {
		t.Run(fmt.Sprint(upTo), func(t *testing.T) {
			c := openMainnet(t, dataCheckpoint(t, run, b))
			addBatches(t, c, run.hdrs[1:upTo-run.first+1], 2000)
			before := c.Tip()
			res, err := c.Add([]wire.BlockHeader{stale})
			if err != nil || res.Added != 1 || res.Event != nil {
				t.Fatalf("stale header: %+v %v", res, err)
			}
			if after := c.Tip(); after.Hash != before.Hash {
				t.Fatalf("the tip moved to %d %s", after.Height, after.Hash)
			}
			info, err := c.Lookup(stale.BlockHash())
			if err != nil || info.InBest || info.Height != 823226 {
				t.Fatalf("Lookup: %+v %v", info, err)
			}
			main, _ := c.Lookup(hashOf(run.hdrs[823226-run.first]))
			if info.Work.Cmp(main.Work) != 0 {
				t.Fatalf("stale work %x, main-chain 823226 %x", info.Work, main.Work)
			}
		})
	}
}

func bytesReader(b []byte) *byteReader { return &byteReader{b: b} }

type byteReader struct{ b []byte }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errors.New("EOF")
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// mainnetBlocks1And2 are facts, not data: the headers of mainnet blocks 1
// and 2 (mined 2009-01-09), field by field.
func mainnetBlocks1And2(t *testing.T) []wire.BlockHeader {
	t.Helper()
	h := func(prev, merkle string, ts int64, nonce uint32, hash string) wire.BlockHeader {
		p, _ := chainhash.NewHashFromStr(prev)
		m, _ := chainhash.NewHashFromStr(merkle)
		hdr := wire.BlockHeader{Version: 1, PrevBlock: *p, MerkleRoot: *m, Timestamp: time.Unix(ts, 0), Bits: 0x1d00ffff, Nonce: nonce}
		if got := hdr.BlockHash().String(); got != hash {
			t.Fatalf("header hashes to %s, want %s", got, hash)
		}
		return hdr
	}
	return []wire.BlockHeader{
		h("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
			"0e3e2357e806b6cdb1f70b54c3a3a17b6714ee1f0e68bebb44a74b1efd512098",
			1231469665, 2573394689, "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048"),
		h("00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048",
			"9b0fc92260312ce44e74ef369f5c66bbb85848f2eddd5a7a1cde251e54ccfdd5",
			1231469744, 1639830024, "000000006a625f06636b8bb6ac7b960a8d03705d1ace08b1a19da3fdcc99ddbd"),
	}
}

// TestBitFlipsWithoutData is the bit-flip check on facts, so that it runs
// on every clone: every single-bit variant of mainnet blocks 1 and 2 is
// refused for the right rule, and the real ones are stored.
func TestBitFlipsWithoutData(t *testing.T) {
	hs := mainnetBlocks1And2(t)
	c := openMainnet(t, GenesisCheckpoint(MainNet()))
	for i := range hs {
		times := []uint32{uint32(MainNet().Genesis.Timestamp.Unix())}
		for _, h := range hs[:i] {
			times = append(times, uint32(h.Timestamp.Unix()))
		}
		sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
		var raw [80]byte
		putHeader(&raw, &hs[i])
		for bit := 0; bit < 640; bit++ {
			f := raw
			f[bit/8] ^= 1 << (bit % 8)
			var h wire.BlockHeader
			_ = h.Deserialize(bytesReader(f[:]))
			want := flipWant(bit, &h, 0, times[len(times)/2], testNow.Unix())
			if _, err := c.Add([]wire.BlockHeader{h}); !errors.Is(err, want) {
				t.Fatalf("block %d bit %d (%s): %v, want %v", i+1, bit, fieldOf(bit), err, want)
			}
		}
		mustAdd(t, c, hs[i:i+1])
	}
	if tip := c.Tip(); tip.Height != 2 || tip.Hash != hashOf(hs[1]) {
		t.Fatalf("tip %d %s", tip.Height, tip.Hash)
	}
}
