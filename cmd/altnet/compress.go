package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/altnet/altnet/compress"
	"github.com/btcsuite/btcd/wire"
)

func compressCommand() *command {
	return &command{
		name:    "compress",
		summary: "measure the header and transaction codecs on files",
		subs:    []*command{compressHeadersCommand(), compressTxsCommand()},
	}
}

func compressHeadersCommand() *command {
	var start int64
	return &command{
		name:    "headers",
		summary: "code runs of 80-byte headers and print bytes per header",
		usage:   "FILE...",
		long: `Each FILE holds consecutive 80-byte headers. The receiver is taken to hold
the first one (and nothing before it); the rest are coded as one form (a) run
and decoded again. Printed per file: the form (a) size, the standalone form
(b) size of every header, the size of one-header runs against a full history
(how a new tip goes out), and reference sizes of the same headers. The height
of the first header comes from a name ending in -FROM-TO.bin, or --start.`,
		flags: func(fs *flag.FlagSet) {
			fs.Int64Var(&start, "start", -1, "height of the first header, when the file name does not tell")
		},
		run: func(e *env, args []string) error {
			if len(args) == 0 {
				return usagef("altnet compress headers: missing FILE")
			}
			for _, name := range args {
				if err := measureHeaderRun(e, name, start); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

var runFileName = regexp.MustCompile(`(\d+)-(\d+)\.bin$`)

// runFirstHeight returns the height of the file's first header.
func runFirstHeight(name string, n int, start int64) (int32, error) {
	if start >= 0 {
		return int32(start), nil
	}
	m := runFileName.FindStringSubmatch(filepath.Base(name))
	if m == nil {
		return 0, usagef("altnet compress headers: %s: the name does not say the first height; pass --start", name)
	}
	from, _ := strconv.ParseInt(m[1], 10, 32)
	to, _ := strconv.ParseInt(m[2], 10, 32)
	if to-from+1 != int64(n) {
		return 0, fmt.Errorf("compress headers: %s holds %d headers, its name says %d", name, n, to-from+1)
	}
	return int32(from), nil
}

func readHeaderRun(name string) ([]wire.BlockHeader, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("compress headers: %w", err)
	}
	if len(b)%80 != 0 || len(b) < 160 {
		return nil, fmt.Errorf("compress headers: %s: %d bytes is not a run of two or more 80-byte headers", name, len(b))
	}
	hs := make([]wire.BlockHeader, len(b)/80)
	for i := range hs {
		if err := hs[i].Deserialize(bytes.NewReader(b[80*i : 80*i+80])); err != nil {
			return nil, fmt.Errorf("compress headers: %s: header %d: %w", name, i, err)
		}
	}
	return hs, nil
}

func measureHeaderRun(e *env, name string, start int64) error {
	hs, err := readHeaderRun(name)
	if err != nil {
		return err
	}
	h0, err := runFirstHeight(name, len(hs), start)
	if err != nil {
		return err
	}
	chain := &compress.HeaderSlice{Start: h0, Headers: hs}
	run := hs[1:]
	enc, err := compress.EncodeRun(nil, chain, h0+1, 1, run)
	if err != nil {
		return fmt.Errorf("compress headers: %s: %w", name, err)
	}
	if err := checkHeaderRun(chain, enc, run); err != nil {
		return fmt.Errorf("compress headers: %s: %w", name, err)
	}
	standalone, err := standaloneBytes(hs)
	if err != nil {
		return fmt.Errorf("compress headers: %s: %w", name, err)
	}
	tips, n, err := tipBytes(chain)
	if err != nil {
		return fmt.Errorf("compress headers: %s: %w", name, err)
	}
	per := func(total int) float64 { return float64(total) / float64(len(run)) }
	fmt.Fprintf(e.stdout, "%s: %d headers, %.2f bytes/header\n", name, len(run), per(len(enc)))
	fmt.Fprintf(e.stdout, "  form (a): heights %d..%d as one run for a receiver holding only height %d; round trip checked\n",
		h0+1, int64(h0)+int64(len(run)), h0)
	fmt.Fprintf(e.stdout, "  form (b) standalone: %.2f bytes/header\n", float64(standalone)/float64(len(hs)))
	if n > 0 {
		fmt.Fprintf(e.stdout, "  form (a) one-header runs with full history (new tips): %.2f bytes (mean of %d)\n", float64(tips)/float64(n), n)
	}
	fmt.Fprintf(e.stdout, "  same headers: raw 80.00, prev-hash dropped 48.00, 2020 draft %.2f, 0th-order entropy floor %.2f bytes/header\n",
		float64(compress.Draft2020Size(hs))/float64(len(hs)), compress.EntropyFloor(hs))
	return nil
}

func checkHeaderRun(c compress.Chain, enc []byte, run []wire.BlockHeader) error {
	_, dec, err := compress.DecodeRun(c, enc)
	if err != nil {
		return err
	}
	for i := range run {
		if dec[i].BlockHash() != run[i].BlockHash() {
			return fmt.Errorf("header %d differs after decoding", i)
		}
	}
	return nil
}

func standaloneBytes(hs []wire.BlockHeader) (int, error) {
	total := 0
	for i := range hs {
		enc, err := compress.EncodeStandalone(nil, &hs[i])
		if err != nil {
			return 0, err
		}
		dec, err := compress.DecodeStandalone(enc)
		if err != nil || dec.BlockHash() != hs[i].BlockHash() {
			return 0, fmt.Errorf("standalone header %d does not round-trip: %v", i, err)
		}
		total += len(enc)
	}
	return total, nil
}

// tipBytes codes every 8th header that has a full history before it as a
// run of one, as a gateway announces a new tip, and returns the total size
// and the number coded.
func tipBytes(c *compress.HeaderSlice) (total, n int, err error) {
	for i := compress.MaxHistory; i < len(c.Headers); i += 8 {
		enc, err := compress.EncodeRun(nil, c, c.Start+int32(i), compress.MaxHistory, c.Headers[i:i+1])
		if err != nil {
			return 0, 0, err
		}
		if err := checkHeaderRun(c, enc, c.Headers[i:i+1]); err != nil {
			return 0, 0, err
		}
		total += len(enc)
		n++
	}
	return total, n, nil
}

func compressTxsCommand() *command {
	return &command{
		name:    "txs",
		summary: "code transactions and print how much smaller they get",
		usage:   "FILE...",
		long: `Each FILE is either hex transactions, one per line (a .tsv beside a .hex
file, as in ../shared/data, supplies the input and output kinds), or a full
block in consensus serialization (.bin, or gzip-compressed .bin.gz). Every
transaction is coded and decoded again, and must come back byte for byte.
Printed per file: the aggregate and mean reduction, and a table by input and
output kind over the transactions that have at least one of that kind.`,
		run: func(e *env, args []string) error {
			if len(args) == 0 {
				return usagef("altnet compress txs: missing FILE")
			}
			for _, name := range args {
				if err := measureTxFile(e, name); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// txSample is one transaction and the kinds of its inputs and outputs.
type txSample struct {
	raw       []byte
	ins, outs []string
}

// kindStat sums the transactions that have a kind.
type kindStat struct{ txs, in, out int }

func measureTxFile(e *env, name string) error {
	txs, err := readTxSamples(name)
	if err != nil {
		return fmt.Errorf("compress txs: %w", err)
	}
	byIn, byOut := map[string]*kindStat{}, map[string]*kindStat{}
	in, out, mean := 0, 0, 0.0
	for i, tx := range txs {
		enc, err := compress.EncodeTx(nil, tx.raw)
		if err != nil {
			return fmt.Errorf("compress txs: %s: transaction %d: %w", name, i, err)
		}
		dec, err := compress.DecodeTx(enc)
		if err != nil || !bytes.Equal(dec, tx.raw) {
			return fmt.Errorf("compress txs: %s: transaction %d does not round-trip: %v", name, i, err)
		}
		in, out = in+len(tx.raw), out+len(enc)
		mean += 1 - float64(len(enc))/float64(len(tx.raw))
		countKinds(byIn, tx.ins, len(tx.raw), len(enc))
		countKinds(byOut, tx.outs, len(tx.raw), len(enc))
	}
	fmt.Fprintf(e.stdout, "%s: %d txs, %.1f%% smaller\n", name, len(txs), pctSmaller(in, out))
	fmt.Fprintf(e.stdout, "  %d bytes coded in %d; mean per transaction %.1f%% smaller\n", in, out, 100*mean/float64(max(len(txs), 1)))
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  kind\ttxs\tbytes\tcoded\tsmaller")
	printKindTable(tw, "input", byIn)
	printKindTable(tw, "output", byOut)
	return tw.Flush()
}

func pctSmaller(in, out int) float64 { return 100 * float64(in-out) / float64(max(in, 1)) }

func countKinds(m map[string]*kindStat, kinds []string, in, out int) {
	for _, k := range kinds {
		if m[k] == nil {
			m[k] = &kindStat{}
		}
		s := m[k]
		s.txs, s.in, s.out = s.txs+1, s.in+in, s.out+out
	}
}

func printKindTable(w io.Writer, side string, m map[string]*kindStat) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]].in > m[keys[j]].in })
	for _, k := range keys {
		s := m[k]
		fmt.Fprintf(w, "  %s %s\t%d\t%d\t%d\t%.1f%%\n", side, k, s.txs, s.in, s.out, pctSmaller(s.in, s.out))
	}
}

// readTxSamples reads a hex file (kinds from the .tsv beside it when there is
// one) or a block file.
func readTxSamples(name string) ([]txSample, error) {
	if strings.HasSuffix(name, ".bin") || strings.HasSuffix(name, ".bin.gz") {
		return readBlockTxSamples(name)
	}
	txs, err := readHexTxSamples(name)
	if err != nil {
		return nil, err
	}
	tsv := strings.TrimSuffix(name, filepath.Ext(name)) + ".tsv"
	if _, err := os.Stat(tsv); err == nil {
		return txs, kindsFromTSV(tsv, txs)
	}
	return txs, nil
}

func readHexTxSamples(name string) ([]txSample, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 2*compress.MaxTxSize+2)
	var txs []txSample
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		raw, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		var tx wire.MsgTx
		if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		txs = append(txs, classifyTx(&tx, raw))
	}
	return txs, sc.Err()
}

// classifyTx classifies a transaction with the codec's own templates.
func classifyTx(tx *wire.MsgTx, raw []byte) txSample {
	s := txSample{raw: raw}
	for _, in := range tx.TxIn {
		s.ins = appendKind(s.ins, compress.InputKind(in))
	}
	for _, out := range tx.TxOut {
		s.outs = appendKind(s.outs, compress.OutputKind(out.PkScript))
	}
	return s
}

func appendKind(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// kindsFromTSV replaces the kinds with the index file's: columns 6 and 7
// list "kind:count" pairs, one line per transaction after a header line.
func kindsFromTSV(name string, txs []txSample) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	i := 0
	for _, line := range strings.Split(string(b), "\n") {
		cols := strings.Split(line, "\t")
		if strings.HasPrefix(line, "#") || len(cols) < 7 {
			continue
		}
		if i >= len(txs) {
			return fmt.Errorf("%s has more lines than the hex file", name)
		}
		txs[i].ins, txs[i].outs = tsvKinds(cols[5]), tsvKinds(cols[6])
		i++
	}
	if i != len(txs) {
		return fmt.Errorf("%s has %d lines for %d transactions", name, i, len(txs))
	}
	return nil
}

func tsvKinds(col string) []string {
	var kinds []string
	for _, kv := range strings.Split(col, ",") {
		k, _, _ := strings.Cut(kv, ":")
		kinds = appendKind(kinds, k)
	}
	return kinds
}

func readBlockTxSamples(name string) ([]txSample, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		r = gz
	}
	var blk wire.MsgBlock
	if err := blk.Deserialize(bufio.NewReader(r)); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	txs := make([]txSample, len(blk.Transactions))
	for i, tx := range blk.Transactions {
		var buf bytes.Buffer
		if err := tx.Serialize(&buf); err != nil {
			return nil, err
		}
		txs[i] = classifyTx(tx, buf.Bytes())
	}
	return txs, nil
}
