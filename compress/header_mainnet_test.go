package compress

import (
	"bufio"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/altnet/altnet/internal/mainnetdata"
	"github.com/btcsuite/btcd/wire"
)

// mainnetRuns are the consecutive header runs in ../shared/data with the
// height of their first header and the most bytes per header form (a) may
// take on them (the target for the modern run; the others are
// checked against what they measure now, to catch regressions).
var mainnetRuns = []struct {
	name  string
	start int32
	limit float64
}{
	{"mainnet-headers-822528-830592.bin", 822528, 39.5},
	{"mainnet-headers-586656-589289.bin", 586656, 37.8},
	{"mainnet-headers-000000-014131.bin", 0, 37.4},
}

// TestRunMainnet codes each real run as one form (a) run against a
// receiver that holds only the run's first header (history 1, so the model
// starts empty) and checks size and round trip.
func TestRunMainnet(t *testing.T) {
	for _, r := range mainnetRuns {
		t.Run(r.name, func(t *testing.T) {
			hs := loadRun(t, r.name)
			c := &HeaderSlice{Start: r.start, Headers: hs}
			enc := roundTripRun(t, c, 1, 1)
			per := float64(len(enc)) / float64(len(hs)-1)
			t.Logf("%d headers, %.3f bytes/header (2020 draft %.3f, entropy floor %.3f)",
				len(hs)-1, per, float64(Draft2020Size(hs[1:]))/float64(len(hs)-1), EntropyFloor(hs))
			if per > r.limit {
				t.Errorf("%.3f bytes/header, want at most %.2f", per, r.limit)
			}
		})
	}
}

func TestStandaloneMainnet(t *testing.T) {
	for _, r := range mainnetRuns {
		t.Run(r.name, func(t *testing.T) {
			hs := loadRun(t, r.name)
			total := 0
			for i := range hs {
				enc, err := EncodeStandalone(nil, &hs[i])
				if err != nil {
					t.Fatal(err)
				}
				dec, err := DecodeStandalone(enc)
				if err != nil || dec.BlockHash() != hs[i].BlockHash() {
					t.Fatalf("header %d: round trip failed: %v", i, err)
				}
				total += len(enc)
			}
			t.Logf("standalone: %.3f bytes/header", float64(total)/float64(len(hs)))
		})
	}
}

// TestPredictBitsMainnet recomputes every retarget in the reference table
// from the headers on either side of it.
func TestPredictBitsMainnet(t *testing.T) {
	p, ok := mainnetdata.Path("mainnet-headers-retarget-boundaries.txt")
	if !ok {
		t.Skip("retarget table not in the mainnet data folder")
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byHeight := map[int64]wire.BlockHeader{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		h, err1 := strconv.ParseInt(fields[0], 10, 32)
		b, err2 := hex.DecodeString(fields[1])
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line %q", sc.Text())
		}
		byHeight[h] = parseHeader(t, b)
	}
	n := 0
	for h, hd := range byHeight {
		first, ok1 := byHeight[h-RetargetInterval]
		last, ok2 := byHeight[h-1]
		if h%RetargetInterval != 0 || !ok1 || !ok2 {
			continue
		}
		got := PredictBits(last.Bits, uint32(first.Timestamp.Unix()), uint32(last.Timestamp.Unix()))
		if got != hd.Bits {
			t.Errorf("height %d: predicted %08x, want %08x", h, got, hd.Bits)
		}
		n++
	}
	if n < 400 {
		t.Fatalf("only %d retargets checked", n)
	}
	t.Logf("%d retargets recomputed", n)
}
