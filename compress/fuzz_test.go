package compress

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/altnet/altnet/internal/mainnetdata"
	"github.com/btcsuite/btcd/wire"
)

// fuzzChain is the chain the run fuzzers decode against: 2100 synthetic
// headers from height 10000, so any start height in 10001..12100 with any
// history has its context.
func fuzzChain() *HeaderSlice {
	return &HeaderSlice{Start: 10000, Headers: syntheticChain(9, 10000, 2100)}
}

// FuzzDecodeRun decodes arbitrary bytes as a form (a) run: no panic, and
// whatever decodes must be the canonical encoding of what it decodes to.
func FuzzDecodeRun(f *testing.F) {
	c := fuzzChain()
	for _, n := range []int{1, 3, 40} {
		enc, err := EncodeRun(nil, c, 12100-int32(n), 2016, c.Headers[2100-n:])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Add([]byte{0xd0, 0x4e, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		info, hs, err := DecodeRun(c, b)
		if err != nil {
			return
		}
		again, err := EncodeRun(nil, c, info.Start, info.History, hs)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded, but re-encodes differently: %v", err)
		}
	})
}

// FuzzRunRoundTrip builds a run from arbitrary header fields (every 80
// bytes a header, linked by prev-hash) after the fuzz chain and checks
// that it round-trips.
func FuzzRunRoundTrip(f *testing.F) {
	c := fuzzChain()
	var seed bytes.Buffer
	for i := range 3 {
		_ = c.Headers[i].Serialize(&seed)
	}
	f.Add(uint16(5), seed.Bytes())
	f.Fuzz(func(t *testing.T, history uint16, b []byte) {
		hist := 1 + int(history)%MaxHistory
		prev := c.Headers[len(c.Headers)-1].BlockHash()
		var run []wire.BlockHeader
		for i := 0; i+80 <= len(b) && len(run) < 200; i += 80 {
			h := parseHeader(t, b[i:i+80])
			h.PrevBlock = prev
			prev = h.BlockHash()
			run = append(run, h)
		}
		if len(run) == 0 {
			return
		}
		start := c.Start + int32(len(c.Headers))
		enc, err := EncodeRun(nil, c, start, hist, run)
		if err != nil {
			t.Fatal(err)
		}
		_, dec, err := DecodeRun(c, enc)
		if err != nil {
			t.Fatal(err)
		}
		for i := range run {
			if dec[i].BlockHash() != run[i].BlockHash() {
				t.Fatalf("header %d differs", i)
			}
		}
	})
}

// FuzzDecodeStandalone decodes arbitrary bytes as a form (b) header.
func FuzzDecodeStandalone(f *testing.F) {
	g := genesis(f)
	enc, _ := EncodeStandalone(nil, &g)
	f.Add(enc)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeStandalone(b)
		if err != nil {
			return
		}
		again, err := EncodeStandalone(nil, &h)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded, but re-encodes differently: %v", err)
		}
	})
}

// FuzzStandaloneRoundTrip codes arbitrary 80-byte headers in form (b).
func FuzzStandaloneRoundTrip(f *testing.F) {
	var buf bytes.Buffer
	g := genesis(f)
	_ = g.Serialize(&buf)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 80 {
			return
		}
		h := parseHeader(t, b[:80])
		enc, err := EncodeStandalone(nil, &h)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := DecodeStandalone(enc)
		if err != nil || dec.BlockHash() != h.BlockHash() {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}

// addTxSeeds seeds a fuzzer with the synthetic vectors and, when the data
// folder is there, a few real transactions of each era.
func addTxSeeds(f *testing.F, encode bool) {
	add := func(raw []byte) {
		if !encode {
			f.Add(raw)
			return
		}
		if enc, err := EncodeTx(nil, raw); err == nil {
			f.Add(enc)
		}
	}
	for _, v := range txVectors() {
		if raw := serializeTx(v.tx); len(raw) < 10_000 {
			add(raw)
		}
	}
	if dir, ok := mainnetdata.Dir(); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "mainnet-txs-*.hex"))
		for _, p := range files {
			for i, raw := range loadHexTxs(f, p) {
				if i%97 == 0 {
					add(raw)
				}
			}
		}
	}
}

// FuzzDecodeTx decodes arbitrary bytes as a compressed transaction. The
// decoder itself insists on the canonical encoding; the fuzzer checks it
// never panics and that what it returns is a transaction.
func FuzzDecodeTx(f *testing.F) {
	addTxSeeds(f, true)
	f.Fuzz(func(t *testing.T, b []byte) {
		raw, err := DecodeTx(b)
		if err != nil {
			return
		}
		var tx wire.MsgTx
		if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
			t.Fatalf("decoded bytes are not a transaction: %v", err)
		}
	})
}

// FuzzTxRoundTrip codes whatever btcd parses as a transaction.
func FuzzTxRoundTrip(f *testing.F) {
	addTxSeeds(f, false)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var tx wire.MsgTx
		rd := bytes.NewReader(raw)
		if tx.Deserialize(rd) != nil || rd.Len() != 0 {
			return
		}
		enc, err := EncodeTx(nil, raw)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := DecodeTx(enc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dec, raw) {
			t.Fatal("round trip differs")
		}
	})
}
