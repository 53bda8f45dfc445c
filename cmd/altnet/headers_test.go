package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/altnet/altnet/internal/mainnetdata"
	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// mineRegtestHeaders returns n regtest headers on top of genesis, 10 minutes
// apart, starting in 2024 so that none is ahead of the clock.
func mineRegtestHeaders(n int) []wire.BlockHeader {
	target := blockchain.CompactToBig(0x207fffff)
	prev := *chaincfg.RegressionNetParams.GenesisHash
	t0 := time.Unix(1_700_000_000, 0)
	hs := make([]wire.BlockHeader, n)
	for i := range hs {
		h := &hs[i]
		*h = wire.BlockHeader{Version: 0x20000000, PrevBlock: prev, Timestamp: t0.Add(time.Duration(i) * 10 * time.Minute), Bits: 0x207fffff}
		binary.LittleEndian.PutUint32(h.MerkleRoot[:], uint32(i))
		for {
			hash := h.BlockHash()
			if blockchain.HashToBig(&hash).Cmp(target) <= 0 {
				prev = hash
				break
			}
			h.Nonce++
		}
	}
	return hs
}

func writeHeaderFile(t *testing.T, hs []wire.BlockHeader) string {
	t.Helper()
	var b bytes.Buffer
	for i := range hs {
		_ = hs[i].Serialize(&b)
	}
	name := filepath.Join(t.TempDir(), "headers.bin")
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestHeadersImportTipGetVerify(t *testing.T) {
	hs := mineRegtestHeaders(2500)
	file := writeHeaderFile(t, hs)
	dd := []string{"--datadir", t.TempDir(), "--network", "regtest"}
	cmd := func(args ...string) []string { return append(append(args[:len(args):len(args)], dd...), []string{}...) }

	out, errs, code := altnet(t, append(cmd("headers", "import"), file)...)
	if code != 0 || !strings.Contains(out, "imported 2500 headers (0 already known); tip 2500") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	out, _, code = altnet(t, append(cmd("headers", "import"), file)...)
	if code != 0 || !strings.Contains(out, "imported 0 headers (2500 already known)") {
		t.Fatalf("import again: %d %q", code, out)
	}
	out, _, code = altnet(t, cmd("headers", "tip")...)
	if code != 0 || !strings.Contains(out, "height      2500\n") || !strings.Contains(out, hs[2499].BlockHash().String()) ||
		!strings.Contains(out, "2500 headers above the checkpoint, 115046 bytes (46.02 bytes/header)") {
		t.Fatalf("tip: %d %q", code, out)
	}
	out, _, code = altnet(t, append(cmd("headers", "get"), "1234")...)
	if code != 0 || !strings.Contains(out, hs[1233].BlockHash().String()) || !strings.Contains(out, "(best chain)") {
		t.Fatalf("get by height: %d %q", code, out)
	}
	out, _, code = altnet(t, append(cmd("headers", "get"), hs[99].BlockHash().String())...)
	if code != 0 || !strings.Contains(out, "height      100 (best chain)") {
		t.Fatalf("get by hash: %d %q", code, out)
	}
	out, _, code = altnet(t, cmd("headers", "verify")...)
	if code != 0 || !strings.Contains(out, "verified 2500 headers") {
		t.Fatalf("verify: %d %q", code, out)
	}
	if _, _, code := altnet(t, append(cmd("headers", "get"), "2501")...); code != 1 {
		t.Fatalf("get beyond the tip: exit %d", code)
	}
}

func TestHeadersUsageAndBadInput(t *testing.T) {
	dd := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"headers", "import"}, 2, "want one FILE"},
		{[]string{"headers", "get", "--datadir", dd}, 2, "want one HEIGHT or HASH"},
		{[]string{"headers", "get", "--datadir", dd, "--network", "regtest", "zz"}, 2, "neither a height"},
		{[]string{"headers", "tip", "--datadir", dd, "--network", "nonet"}, 2, "unknown network"},
		{[]string{"headers", "tip", "--datadir", dd, "extra"}, 2, "unexpected argument"},
		{[]string{"headers", "tip", "--datadir", dd, "--network", "regtest"}, 1, "no store"},
	} {
		_, errs, code := altnet(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: exit %d %q, want %d %q", tc.args, code, errs, tc.code, tc.msg)
		}
	}
	short := filepath.Join(t.TempDir(), "short.bin")
	os.WriteFile(short, make([]byte, 81), 0o644)
	if _, errs, code := altnet(t, "headers", "import", "--datadir", dd, "--network", "regtest", short); code != 1 || !strings.Contains(errs, "81 bytes is not a run") {
		t.Errorf("81-byte file: %d %q", code, errs)
	}
	// A bad header in the middle: the ones before it are stored.
	hs := mineRegtestHeaders(30)
	hs[20].Bits = 0x1d00ffff
	file := writeHeaderFile(t, hs)
	_, errs, code := altnet(t, "headers", "import", "--datadir", dd, "--network", "regtest", file)
	if code != 1 || !strings.Contains(errs, "header 20 of the file") || !strings.Contains(errs, "bad-diffbits") {
		t.Errorf("bad header: %d %q", code, errs)
	}
	if out, _, _ := altnet(t, "headers", "tip", "--datadir", dd, "--network", "regtest"); !strings.Contains(out, "height      20\n") {
		t.Errorf("tip after a bad header: %q", out)
	}
}

func TestHeadersImportCheckpointFirst(t *testing.T) {
	path, ok := mainnetdata.Path("mainnet-headers-822528-830592.bin")
	if !ok {
		t.Skip("real data not found")
	}
	dd := t.TempDir()
	out, errs, code := altnet(t, "headers", "import", "--datadir", dd, "--checkpoint-first", "--height", "822528",
		"--work", "624c5a3c876e3e6fffd9c800", path)
	if code != 0 || !strings.Contains(out, "imported 8064 headers (1 already known); tip 830592") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	out, _, _ = altnet(t, "headers", "tip", "--datadir", dd)
	if !strings.Contains(out, "checkpoint  822528") || !strings.Contains(out, "8064 headers above the checkpoint, 370944 bytes (46.00 bytes/header)") {
		t.Fatalf("tip: %q", out)
	}
	// A run that starts off a retarget boundary needs the period's start.
	mid, ok := mainnetdata.Path("mainnet-headers-864870-864980.bin")
	if !ok {
		t.Skip("real data not found")
	}
	_, errs, code = altnet(t, "headers", "import", "--datadir", t.TempDir(), "--checkpoint-first", "--height", "864870", mid)
	if code == 0 || !strings.Contains(errs, "retarget period") {
		t.Fatalf("off-boundary checkpoint without period: %d %q", code, errs)
	}
	var zero chainhash.Hash
	_ = zero
}

// TestHeadersExportImport: the way a receiver far behind catches up
// without radio. A synced store exports its headers, a second store with
// the same checkpoint imports them and reaches the same tip; a partial
// export continues a store from its tip; standard output carries the same
// bytes; heights outside the store are a usage error.
func TestHeadersExportImport(t *testing.T) {
	hs := mineRegtestHeaders(2300)
	gw := []string{"--datadir", t.TempDir(), "--network", "regtest"}
	rx := []string{"--datadir", t.TempDir(), "--network", "regtest"}
	with := func(store []string, args ...string) []string { return append(args, store...) }
	if _, errs, code := altnet(t, append(with(gw, "headers", "import"), writeHeaderFile(t, hs))...); code != 0 {
		t.Fatalf("import into the gateway store: %d %q", code, errs)
	}
	// The receiver holds the first 1000 already.
	if _, errs, code := altnet(t, append(with(rx, "headers", "import"), writeHeaderFile(t, hs[:1000]))...); code != 0 {
		t.Fatalf("import into the receiver store: %d %q", code, errs)
	}

	all := filepath.Join(t.TempDir(), "all.bin")
	_, errs, code := altnet(t, append(with(gw, "headers", "export"), all)...)
	if code != 0 || !strings.Contains(errs, "exported 2300 headers, heights 1..2300 (last "+hs[2299].BlockHash().String()) {
		t.Fatalf("export: %d %q", code, errs)
	}
	want, _ := os.ReadFile(writeHeaderFile(t, hs))
	if got, _ := os.ReadFile(all); !bytes.Equal(got, want) {
		t.Fatalf("exported %d bytes, not the %d bytes of the headers", len(got), len(want))
	}
	if out, _, code := altnet(t, append(with(gw, "headers", "export", "--from", "1001", "--to", "1010"), "-")...); code != 0 || out != string(want[80*1000:80*1010]) {
		t.Fatalf("export to standard output: %d, %d bytes", code, len(out))
	}

	tail := filepath.Join(t.TempDir(), "tail.bin")
	if _, errs, code := altnet(t, append(with(gw, "headers", "export", "--from", "1001"), tail)...); code != 0 {
		t.Fatalf("export from 1001: %d %q", code, errs)
	}
	out, errs, code := altnet(t, append(with(rx, "headers", "import"), tail)...)
	if code != 0 || !strings.Contains(out, "imported 1300 headers (0 already known); tip 2300 "+hs[2299].BlockHash().String()) {
		t.Fatalf("receiver import: %d %q %q", code, out, errs)
	}
	if out, _, code := altnet(t, append(with(rx, "headers", "import"), all)...); code != 0 || !strings.Contains(out, "imported 0 headers (2300 already known)") {
		t.Fatalf("receiver import of everything again: %d %q", code, out)
	}

	if st, err := os.Stat(all); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("exported file: %v, %v; want mode 0644", st, err)
	}
	for _, args := range [][]string{
		{"--from", "0"},  // the checkpoint itself
		{"--to", "2301"}, // past the tip
		{"--from", "2000", "--to", "1999"},
		{"--from", "-5", "--to", "3"},
		{"--to", "-2"},
	} {
		_, errs, code := altnet(t, append(append(with(gw, "headers", "export"), args...), filepath.Join(t.TempDir(), "x"))...)
		if code != 2 || !strings.Contains(errs, "not in the store's 1..2300") {
			t.Errorf("export %v: %d %q, want a usage error", args, code, errs)
		}
	}
	if _, errs, code := altnet(t, with(gw, "headers", "export")...); code != 2 || !strings.Contains(errs, "want one FILE") {
		t.Errorf("export without FILE: %d %q", code, errs)
	}
}
