package compress

import (
	"bytes"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/altnet/altnet/internal/mainnetdata"
)

// txEras are the era sample files with the least reduction each must keep
// (the target for 2021-2024; the others guard against
// regressions).
var txEras = []struct {
	era  string
	want float64 // aggregate reduction, percent
}{
	{"2010-2013", 26},
	{"2013-2016", 19},
	{"2017-2020", 20},
	{"2021-2024", 15},
}

func TestTxMainnetSamples(t *testing.T) {
	for _, e := range txEras {
		t.Run(e.era, func(t *testing.T) {
			p, ok := mainnetdata.Path("mainnet-txs-" + e.era + ".hex")
			if !ok {
				t.Skip("not in the mainnet data folder")
			}
			in, out, mean := 0, 0, 0.0
			txs := loadHexTxs(t, p)
			for _, raw := range txs {
				enc := roundTripTx(t, raw)
				in += len(raw)
				out += len(enc)
				mean += 1 - float64(len(enc))/float64(len(raw))
			}
			got := 100 * float64(in-out) / float64(in)
			t.Logf("%d txs, %.2f%% smaller in aggregate, %.2f%% per transaction on average", len(txs), got, 100*mean/float64(len(txs)))
			if got < e.want {
				t.Errorf("%.2f%% smaller, want at least %.1f%%", got, e.want)
			}
		})
	}
}

// TestTxMainnetBlocks round-trips every transaction of every full block.
// Under emulation (GOARCH arm), the race detector or -short it takes every
// 8th, to stay within the time the suite allows.
func TestTxMainnetBlocks(t *testing.T) {
	dir, ok := mainnetdata.Dir()
	if !ok {
		t.Skip("no mainnet data folder")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "mainnet-block-*.bin.gz"))
	if len(files) == 0 {
		t.Skip("no full blocks in the mainnet data folder")
	}
	step := 1
	if runtime.GOARCH == "arm" || raceEnabled || testing.Short() {
		step = 8
	}
	n, in, out := 0, 0, 0
	for _, f := range files {
		for i, tx := range readBlock(t, f).Transactions {
			if i%step != 0 {
				continue
			}
			var buf bytes.Buffer
			if err := tx.Serialize(&buf); err != nil {
				t.Fatal(err)
			}
			enc := roundTripTx(t, buf.Bytes())
			n++
			in += buf.Len()
			out += len(enc)
		}
	}
	t.Logf("%d transactions of %d blocks round-trip, %.2f%% smaller", n, len(files), 100*float64(in-out)/float64(in))
}
