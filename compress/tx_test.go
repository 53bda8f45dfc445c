package compress

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// roundTripTx encodes raw, decodes it and checks the bytes, txid and wtxid.
func roundTripTx(t *testing.T, raw []byte) []byte {
	t.Helper()
	enc, err := EncodeTx(nil, raw)
	if err != nil {
		t.Fatalf("EncodeTx: %v", err)
	}
	dec, err := DecodeTx(enc)
	if err != nil {
		t.Fatalf("DecodeTx: %v", err)
	}
	if !bytes.Equal(dec, raw) {
		t.Fatalf("decoded bytes differ")
	}
	var a, b wire.MsgTx
	if a.Deserialize(bytes.NewReader(raw)) != nil || b.Deserialize(bytes.NewReader(dec)) != nil {
		t.Fatal("cannot parse")
	}
	if a.TxHash() != b.TxHash() || a.WitnessHash() != b.WitnessHash() {
		t.Fatal("txid or wtxid differ")
	}
	return enc
}

func TestTxVectors(t *testing.T) {
	var lines []string
	for _, v := range txVectors() {
		t.Run(v.name, func(t *testing.T) {
			raw := serializeTx(v.tx)
			for i, in := range v.tx.TxIn {
				if k := inputKind(in); k != v.ins[i] {
					t.Errorf("input %d: kind %d, want %d", i, k, v.ins[i])
				}
			}
			for i, out := range v.tx.TxOut {
				if k := outputKind(out.PkScript); k != v.outs[i] {
					t.Errorf("output %d: kind %d, want %d", i, k, v.outs[i])
				}
			}
			enc := roundTripTx(t, raw)
			if len(enc) >= len(raw) {
				t.Errorf("%d bytes coded in %d", len(raw), len(enc))
			}
			t.Logf("%d bytes -> %d (%.1f%% smaller)", len(raw), len(enc), 100-100*float64(len(enc))/float64(len(raw)))
			if len(raw) < 4096 {
				lines = append(lines, fmt.Sprintf("# %s\n%x\n%x\n", v.name, raw, enc))
			}
		})
	}
	golden(t, "tx-vectors.txt", []byte(strings.Join(lines, "")))
}

// TestTxTemplatesCovered checks that the vectors exercise every input
// kind, output kind, item type, script template and sighash symbol.
func TestTxTemplatesCovered(t *testing.T) {
	used := map[string]map[int]bool{}
	e := &rcEncoder{tally: func(tb *table, s int) {
		if used[tb.name] == nil {
			used[tb.name] = map[int]bool{}
		}
		used[tb.name][s] = true
	}}
	for _, v := range txVectors() {
		*e = rcEncoder{rng: 0xFFFFFFFF, pending: 1, skip: true, tally: e.tally}
		if _, err := encodeTx(nil, serializeTx(v.tx), e); err != nil {
			t.Fatal(err)
		}
	}
	union := func(names ...string) map[int]bool {
		u := map[int]bool{}
		for _, n := range names {
			for s := range used[n] {
				u[s] = true
			}
		}
		return u
	}
	checks := []struct {
		what string
		got  map[int]bool
		n    int
	}{
		{"input kinds", used[tKind.name], inputKinds},
		{"output kinds", used[tOutput.name], outputKinds},
		{"item types", union(tItem[0].name, tItem[1].name), itemTypes},
		{"script templates", union(tScript[0].name, tScript[1].name, tScript[2].name), scriptTemplates},
	}
	for _, c := range checks {
		for s := range c.n {
			if !c.got[s] {
				t.Errorf("%s: symbol %d never used", c.what, s)
			}
		}
	}
}

func TestTxDecodeErrors(t *testing.T) {
	for _, v := range txVectors()[:6] {
		raw := serializeTx(v.tx)
		enc := roundTripTx(t, raw)
		for n := range len(enc) {
			dec, err := DecodeTx(enc[:n])
			if err != nil {
				wantFormatError(t, err, nil)
				continue
			}
			// Without redundancy a prefix can be another transaction's
			// exact encoding; DecodeTx checked that it is canonical.
			if bytes.Equal(dec, raw) {
				t.Fatalf("%s: %d of %d bytes decode to the same transaction", v.name, n, len(enc))
			}
		}
		_, err := DecodeTx(append(enc[:len(enc):len(enc)], 0))
		wantFormatError(t, err, ErrTrailing)
		for i := range len(enc) * 8 {
			bad := bytes.Clone(enc)
			bad[i/8] ^= 1 << (i % 8)
			if _, err := DecodeTx(bad); err != nil {
				wantFormatError(t, err, nil)
			}
		}
	}
}

func TestTxNotATransaction(t *testing.T) {
	for _, in := range []string{"", "00", "0100000000", hex.EncodeToString(serializeTx(txVectors()[1].tx)) + "00"} {
		b, _ := hex.DecodeString(in)
		if _, err := EncodeTx(nil, b); err == nil {
			t.Errorf("EncodeTx(%q) succeeded", in)
		}
	}
}
