package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/altnet/altnet/internal/mainnetdata"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// runCompressCmd runs the altnet command line in-process and returns its exit
// status and output.
func runCompressCmd(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// writeHeaderRun writes n linked synthetic headers to dir/name.
func writeHeaderRun(t *testing.T, dir, name string, n int) string {
	var buf bytes.Buffer
	var prev chainhash.Hash
	for i := range n {
		h := wire.BlockHeader{
			Version:    int32(0x20000000 | uint32(i)*2654435761&0x1fffe000),
			PrevBlock:  prev,
			MerkleRoot: chainhash.HashH([]byte{byte(i), byte(i >> 8)}),
			Timestamp:  time.Unix(1_700_000_000+int64(i)*577, 0),
			Bits:       0x17034219,
			Nonce:      uint32(i * 40503),
		}
		if err := h.Serialize(&buf); err != nil {
			t.Fatal(err)
		}
		prev = h.BlockHash()
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var compressHeadersLine = regexp.MustCompile(`(?m)^(.+): (\d+) headers, (\d+\.\d\d) bytes/header$`)

func TestCompressHeadersCommand(t *testing.T) {
	dir := t.TempDir()
	p := writeHeaderRun(t, dir, "synthetic-1000-1199.bin", 200)
	code, out, errOut := runCompressCmd("compress", "headers", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := compressHeadersLine.FindStringSubmatch(out)
	if m == nil || m[1] != p || m[2] != "199" {
		t.Fatalf("unexpected output:\n%s", out)
	}
	for _, want := range []string{"form (b) standalone:", "2020 draft", "entropy floor"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A name without heights needs --start.
	q := writeHeaderRun(t, dir, "run.bin", 20)
	if code, _, errOut := runCompressCmd("compress", "headers", q); code != 2 || !strings.Contains(errOut, "--start") {
		t.Errorf("without --start: exit %d, %q", code, errOut)
	}
	if code, out, _ := runCompressCmd("compress", "headers", "--start", "7", q); code != 0 || !strings.Contains(out, "19 headers") {
		t.Errorf("with --start: exit %d, %q", code, out)
	}
}

func TestCompressUsage(t *testing.T) {
	for _, args := range [][]string{
		{"compress"},
		{"compress", "headers"},
		{"compress", "txs"},
		{"compress", "nosuch"},
		{"compress", "headers", "--nosuch", "x"},
	} {
		if code, _, errOut := runCompressCmd(args...); code != 2 || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want 2 and one line", args, code, errOut)
		}
	}
	if code, _, _ := runCompressCmd("compress", "txs", filepath.Join(t.TempDir(), "missing.hex")); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}

var compressTxsLine = regexp.MustCompile(`(?m)^(.+): (\d+) txs, (\d+\.\d)% smaller$`)

func TestCompressTxsCommand(t *testing.T) {
	// A P2WPKH spend, hand-assembled: version 2, marker and flag, one input
	// with an empty scriptSig, two outputs, a witness of a 71-byte DER
	// signature and a compressed key, lock time 0.
	tx := "02000000" + "0001" + "01" + strings.Repeat("ab", 32) + "01000000" + "00" + "fdffffff" +
		"02" + "a086010000000000" + "160014" + strings.Repeat("11", 20) +
		"2202000000000000" + "225120" + strings.Repeat("22", 32) +
		"02" + "47" + "3044022049a2e6b2ad14fb0f2bbc6b33bde9b0b1b2dbf1b1b1c7d8e9f0a1b2c3d4e5f6070220" +
		"1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80901" +
		"21" + "02" + strings.Repeat("33", 32) + "00000000"
	if _, err := hex.DecodeString(tx); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "one.hex")
	if err := os.WriteFile(p, []byte(tx+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCompressCmd("compress", "txs", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := compressTxsLine.FindStringSubmatch(out)
	if m == nil || m[2] != "1" {
		t.Fatalf("unexpected output:\n%s", out)
	}
	for _, want := range []string{"input p2wpkh", "output p2wpkh", "output p2tr"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestCompressMainnet runs both commands over the real runs and samples and
// checks the targets in their output.
func TestCompressMainnet(t *testing.T) {
	run, ok := mainnetdata.Path("mainnet-headers-822528-830592.bin")
	txs, ok2 := mainnetdata.Path("mainnet-txs-2021-2024.hex")
	if !ok || !ok2 {
		t.Skip("mainnet data not present")
	}
	code, out, errOut := runCompressCmd("compress", "headers", run)
	if code != 0 {
		t.Fatalf("headers: exit %d: %s", code, errOut)
	}
	m := compressHeadersLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("unexpected output:\n%s", out)
	}
	if v, _ := strconv.ParseFloat(m[3], 64); v > 39.5 {
		t.Errorf("modern run: %s bytes/header, want at most 39.5", m[3])
	}
	code, out, errOut = runCompressCmd("compress", "txs", txs)
	if code != 0 {
		t.Fatalf("txs: exit %d: %s", code, errOut)
	}
	m = compressTxsLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("unexpected output:\n%s", out)
	}
	if v, _ := strconv.ParseFloat(m[3], 64); v < 15.0 {
		t.Errorf("2021-2024: %s%% smaller, want at least 15.0%%", m[3])
	}
	t.Log(out)
}
