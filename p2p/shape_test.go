package p2p

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/altnet/altnet/internal/mainnetdata"
	"github.com/btcsuite/btcd/wire"
)

// TestShapeAcceptsRealTransactions checks that the shape walk accepts every
// real mainnet transaction in ../shared/data (when present) and that the
// reader decodes each to the same txid as wire. Without the data it checks
// the package's own sample transaction.
func TestShapeAcceptsRealTransactions(t *testing.T) {
	raws := [][]byte{mustEncodeTx(t, sampleTx(3))}
	if dir, ok := mainnetdata.Dir(); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "mainnet-txs-*.hex"))
		for _, f := range files {
			raws = append(raws, readHexLines(t, f)...)
		}
	}
	t.Logf("%d transactions", len(raws))
	for i, raw := range raws {
		if err := checkShape(wire.CmdTx, raw); err != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
		var want wire.MsgTx
		if err := want.Deserialize(bytes.NewReader(raw)); err != nil {
			t.Fatalf("tx %d: wire: %v", i, err)
		}
		if len(raw) > MaxTxSize {
			continue
		}
		msg, _, err := readMessage(bytes.NewReader(frame(regtest.Net, wire.CmdTx, raw, nil)), regtest.Net, ProtocolVersion)
		if err != nil || msg.(*wire.MsgTx).WitnessHash() != want.WitnessHash() {
			t.Fatalf("tx %d: readMessage = %v", i, err)
		}
	}
}

func TestShapeRefusesTrailingBytes(t *testing.T) {
	raw := append(mustEncodeTx(t, sampleTx(4)), 0)
	if err := checkShape(wire.CmdTx, raw); !errors.Is(err, ErrMalformed) {
		t.Fatalf("checkShape = %v, want ErrMalformed", err)
	}
}

func mustEncodeTx(t *testing.T, tx *wire.MsgTx) []byte {
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readHexLines(t *testing.T, path string) [][]byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 4*1024*1024)
	for sc.Scan() {
		b, err := hex.DecodeString(string(bytes.TrimSpace(sc.Bytes())))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
