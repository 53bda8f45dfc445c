package compress

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/altnet/altnet/internal/mainnetdata"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

var train = flag.Bool("train", false, "recount the static transaction tables from ../shared/data and rewrite txtables.go")

// TestTrainTables counts how often each symbol of each static table is
// coded over the transactions of the full blocks, leaving out those of the
// era sample files, and rewrites the frequencies in txtables.go. It runs
// only with -train.
func TestTrainTables(t *testing.T) {
	if !*train {
		t.Skip("run with -train to recount the tables")
	}
	txs := trainingTxs(t)
	counts := map[string][]int{}
	flags := map[string][2]int{}
	e := &rcEncoder{
		tally: func(tb *table, s int) {
			if counts[tb.name] == nil {
				counts[tb.name] = make([]int, len(tb.freq))
			}
			counts[tb.name][s]++
		},
		tallyFlag: func(f *flagTable, b bool) {
			c := flags[f.name]
			if b {
				c[1]++
			} else {
				c[0]++
			}
			flags[f.name] = c
		},
	}
	for _, raw := range txs {
		*e = rcEncoder{rng: 0xFFFFFFFF, pending: 1, skip: true, tally: e.tally, tallyFlag: e.tallyFlag}
		if _, err := encodeTx(nil, raw, e); err != nil {
			t.Fatal(err)
		}
	}
	src, err := os.ReadFile("txtables.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for name, c := range counts {
		s = replaceFreqs(t, s, name, scaleCounts(c))
	}
	for name, c := range flags {
		one := (c[1]*flagTotal + (c[0]+c[1])/2) / (c[0] + c[1])
		one = max(1, min(flagTotal-1, one))
		re := regexp.MustCompile(`flagTable\{"` + regexp.QuoteMeta(name) + `", \d+\}`)
		s = re.ReplaceAllString(s, fmt.Sprintf(`flagTable{"%s", %d}`, name, one))
	}
	if err := os.WriteFile("txtables.go", []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("trained on %d transactions", len(txs))
}

// scaleCounts turns counts into frequencies of at least 1 whose total is
// at most 1<<15.
func scaleCounts(c []int) []uint16 {
	total := 0
	for _, v := range c {
		total += v
	}
	budget := 1<<15 - len(c)
	f := make([]uint16, len(c))
	for i, v := range c {
		f[i] = uint16(1 + v*budget/max(total, 1))
	}
	return f
}

func replaceFreqs(t *testing.T, s, name string, f []uint16) string {
	re := regexp.MustCompile(`"` + regexp.QuoteMeta(name) + `", \[\]uint16\{[^}]*\}`)
	if !re.MatchString(s) {
		t.Fatalf("table %q not found in txtables.go", name)
	}
	parts := make([]string, len(f))
	for i, v := range f {
		parts[i] = fmt.Sprint(v)
	}
	return re.ReplaceAllString(s, fmt.Sprintf(`"%s", []uint16{%s}`, name, strings.Join(parts, ", ")))
}

// trainingTxs returns the transactions of the full blocks that are in none
// of the era sample files, in a fixed order.
func trainingTxs(t testing.TB) [][]byte {
	dir, ok := mainnetdata.Dir()
	if !ok {
		t.Skip("no mainnet data")
	}
	held := map[chainhash.Hash]bool{}
	samples, _ := filepath.Glob(filepath.Join(dir, "mainnet-txs-*.hex"))
	for _, f := range samples {
		for _, raw := range loadHexTxs(t, f) {
			held[chainhash.DoubleHashH(stripWitness(t, raw))] = true
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "mainnet-block-*.bin.gz"))
	sort.Strings(files)
	var out [][]byte
	for _, f := range files {
		for _, tx := range readBlock(t, f).Transactions {
			if held[tx.TxHash()] {
				continue
			}
			var buf bytes.Buffer
			if err := tx.Serialize(&buf); err != nil {
				t.Fatal(err)
			}
			out = append(out, buf.Bytes())
		}
	}
	return out
}

func stripWitness(t testing.TB, raw []byte) []byte {
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tx.SerializeNoWitness(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readBlock(t testing.TB, path string) *wire.MsgBlock {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	var b wire.MsgBlock
	if err := b.Deserialize(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	return &b
}
