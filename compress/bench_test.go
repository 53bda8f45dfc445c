package compress

import (
	"bytes"
	"testing"

	"github.com/altnet/altnet/internal/mainnetdata"

	"github.com/btcsuite/btcd/wire"
)

// The benchmarks code the same data as their baselines: header runs
// against the wire serialization plus the block hash of every header (what
// any receiver computes anyway), transactions against their wire
// serialization and parse. bytes/op (SetBytes) is the raw size, so MB/s
// figures compare directly. They run on the real data when present and on
// synthetic data otherwise.

func benchRun(b *testing.B) (*HeaderSlice, []wire.BlockHeader) {
	if p, ok := readRun(b, "mainnet-headers-822528-830592.bin"); ok {
		return &HeaderSlice{Start: 822528, Headers: p}, p[1:2017]
	}
	hs := syntheticChain(11, 20000, 2017)
	return &HeaderSlice{Start: 20000, Headers: hs}, hs[1:]
}

func BenchmarkRunEncode(b *testing.B) {
	c, run := benchRun(b)
	b.SetBytes(int64(80 * len(run)))
	buf := make([]byte, 0, 40*len(run)+16)
	for b.Loop() {
		if _, err := EncodeRun(buf, c, c.Start+1, 1, run); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunDecode(b *testing.B) {
	c, run := benchRun(b)
	enc, err := EncodeRun(nil, c, c.Start+1, 1, run)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(80 * len(run)))
	for b.Loop() {
		if _, _, err := DecodeRun(c, enc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunBaselineWire serializes, parses and hashes the same headers
// with btcd's wire package.
func BenchmarkRunBaselineWire(b *testing.B) {
	_, run := benchRun(b)
	b.SetBytes(int64(80 * len(run)))
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		for i := range run {
			_ = run[i].Serialize(&buf)
		}
		rd := bytes.NewReader(buf.Bytes())
		var h wire.BlockHeader
		for range run {
			_ = h.Deserialize(rd)
			_ = h.BlockHash()
		}
	}
}

func BenchmarkStandaloneEncode(b *testing.B) {
	_, run := benchRun(b)
	b.SetBytes(int64(80 * len(run)))
	buf := make([]byte, 0, 80)
	for b.Loop() {
		for i := range run {
			_, _ = EncodeStandalone(buf, &run[i])
		}
	}
}

func BenchmarkStandaloneDecode(b *testing.B) {
	_, run := benchRun(b)
	encs := make([][]byte, len(run))
	for i := range run {
		encs[i], _ = EncodeStandalone(nil, &run[i])
	}
	b.SetBytes(int64(80 * len(run)))
	for b.Loop() {
		for _, e := range encs {
			if _, err := DecodeStandalone(e); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// benchTxs returns real transactions of the modern era when present, else
// the synthetic vectors, and their total size.
func benchTxs(b *testing.B) ([][]byte, int) {
	var txs [][]byte
	if p, ok := mainnetdata.Path("mainnet-txs-2021-2024.hex"); ok {
		txs = loadHexTxs(b, p)
	} else {
		for _, v := range txVectors() {
			txs = append(txs, serializeTx(v.tx))
		}
	}
	n := 0
	for _, t := range txs {
		n += len(t)
	}
	return txs, n
}

func BenchmarkTxEncode(b *testing.B) {
	txs, n := benchTxs(b)
	b.SetBytes(int64(n))
	buf := make([]byte, 0, 1<<20)
	for b.Loop() {
		for _, raw := range txs {
			if _, err := EncodeTx(buf, raw); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkTxDecode(b *testing.B) {
	txs, n := benchTxs(b)
	encs := make([][]byte, len(txs))
	for i, raw := range txs {
		encs[i], _ = EncodeTx(nil, raw)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, e := range encs {
			if _, err := DecodeTx(e); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkTxBaselineWire parses and re-serializes the same transactions
// with btcd's wire package.
func BenchmarkTxBaselineWire(b *testing.B) {
	txs, n := benchTxs(b)
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, raw := range txs {
			var tx wire.MsgTx
			if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
				b.Fatal(err)
			}
			_ = serializeTx(&tx)
		}
	}
}
