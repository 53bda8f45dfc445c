package compress

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// roundTripRun encodes headers[skip:] against a chain holding all of
// headers (from height start) and checks that decoding gives them back.
func roundTripRun(t *testing.T, c *HeaderSlice, skip, history int) []byte {
	t.Helper()
	run := c.Headers[skip:]
	start := c.Start + int32(skip)
	enc, err := EncodeRun(nil, c, start, history, run)
	if err != nil {
		t.Fatalf("EncodeRun: %v", err)
	}
	info, dec, err := DecodeRun(c, enc)
	if err != nil {
		t.Fatalf("DecodeRun: %v", err)
	}
	if info != (RunInfo{Start: start, Count: len(run), History: history}) {
		t.Fatalf("run info %+v", info)
	}
	for i := range run {
		if dec[i].BlockHash() != run[i].BlockHash() {
			t.Fatalf("header %d differs after the round trip", i)
		}
	}
	return enc
}

func TestRunSynthetic(t *testing.T) {
	// 3000 headers from height 4000 cross the retarget at 6048.
	c := &HeaderSlice{Start: 4000, Headers: syntheticChain(1, 4000, 3000)}
	tests := []struct {
		skip, history int
	}{
		{1, 1},       // the receiver holds only the predecessor
		{2999, 1},    // a single header
		{2999, 2016}, // a new tip against the full window
		{2016, 2016}, // full window, crossing the retarget at 6048
		{100, 50},    // partial history
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("skip%d-history%d", tt.skip, tt.history), func(t *testing.T) {
			roundTripRun(t, c, tt.skip, tt.history)
		})
	}
}

// TestRunRetargetPredicted checks that a retarget inside a run costs no
// explicit nBits: the run crossing 6048 is no larger than the one that does
// not, give or take the entropy of the other fields.
func TestRunRetargetPredicted(t *testing.T) {
	c := &HeaderSlice{Start: 4000, Headers: syntheticChain(2, 4000, 4100)}
	if c.Headers[2048].Bits == c.Headers[2047].Bits {
		t.Fatal("the synthetic chain does not retarget at 6048")
	}
	m, _, prevBits, err := loadHistory(c, RunInfo{Start: 6048, Count: 1, History: MaxHistory})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.predictBits(c, 6047, 1, prevBits); got != c.Headers[2048].Bits {
		t.Fatalf("predicted %08x at the retarget, want %08x", got, c.Headers[2048].Bits)
	}
}

func TestRunGolden(t *testing.T) {
	c := &HeaderSlice{Start: 2000, Headers: syntheticChain(3, 2000, 40)}
	enc := roundTripRun(t, c, 8, 8)
	golden(t, "run-synthetic.hex", []byte(hex.EncodeToString(enc)+"\n"))
}

func TestRunEncodeErrors(t *testing.T) {
	hs := syntheticChain(4, 100, 20)
	c := &HeaderSlice{Start: 100, Headers: hs}
	short := &HeaderSlice{Start: 105, Headers: hs[5:9]}
	broken := append([]wire.BlockHeader(nil), hs[10:]...)
	broken[3].PrevBlock[0] ^= 1
	tests := []struct {
		name    string
		c       Chain
		start   int32
		history int
		run     []wire.BlockHeader
		want    error
	}{
		{"no predecessor", short, 110, 1, hs[10:], ErrMissingContext},
		{"history beyond the chain", short, 109, 5, hs[9:], ErrMissingContext},
		{"does not connect", c, 111, 1, hs[10:], ErrNotConnected},
		{"broken link", c, 110, 1, broken, ErrNotConnected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := EncodeRun(nil, tt.c, tt.start, tt.history, tt.run); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	for _, bad := range []struct {
		start   int32
		history int
		n       int
	}{{110, 0, 1}, {110, MaxHistory + 1, 1}, {3, 5, 1}, {110, 1, 0}} {
		if _, err := EncodeRun(nil, c, bad.start, bad.history, hs[10:10+bad.n]); err == nil {
			t.Errorf("EncodeRun(start %d, history %d, %d headers) succeeded", bad.start, bad.history, bad.n)
		}
	}
}

func TestRunDecodeErrors(t *testing.T) {
	c := &HeaderSlice{Start: 100, Headers: syntheticChain(5, 100, 30)}
	enc := roundTripRun(t, c, 10, 10)
	// The code has no redundancy, so a shorter input may be the exact
	// encoding of other headers; otherwise it must fail cleanly.
	for n := range len(enc) {
		info, dec, err := DecodeRun(c, enc[:n])
		if err != nil {
			wantFormatError(t, err, nil)
			continue
		}
		again, err := EncodeRun(nil, c, info.Start, info.History, dec)
		if err != nil || !bytes.Equal(again, enc[:n]) {
			t.Fatalf("the first %d bytes decode, but not canonically: %v", n, err)
		}
	}
	_, _, err := DecodeRun(c, append(enc[:len(enc):len(enc)], 0))
	wantFormatError(t, err, ErrTrailing)
	other := &HeaderSlice{Start: 0, Headers: syntheticChain(5, 0, 50)}
	_, _, err = DecodeRun(other, enc)
	wantFormatError(t, err, ErrMissingContext)
	// A receiver with another chain at the history heights decodes other
	// headers (proof of work would reject them), or fails.
	fork := &HeaderSlice{Start: 100, Headers: syntheticChain(6, 100, 30)}
	if _, dec, err := DecodeRun(fork, enc); err == nil && dec[0].BlockHash() == c.Headers[10].BlockHash() {
		t.Fatal("a different chain decoded the same header")
	}
}

func TestRunInfoErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrTruncated},
		{"non-canonical varint", "8000", ErrCorrupt},
		{"count larger than input", "0a7e", ErrTooLarge},
		{"history 2016 spelled out", "0a01e00f", ErrCorrupt},
		{"history below height 0", "0301" + "05", ErrCorrupt},
		{"count needs more bytes", "b81704" + "00", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.in)
			_, _, err := ReadRunInfo(b)
			wantFormatError(t, err, tt.want)
		})
	}
}

func TestStandaloneGenesis(t *testing.T) {
	g := genesis(t)
	enc, err := EncodeStandalone(nil, &g)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := DecodeStandalone(enc)
	if err != nil {
		t.Fatal(err)
	}
	if dec.BlockHash() != g.BlockHash() {
		t.Fatal("genesis differs after the round trip")
	}
	// Version 1 in 5 bits, nBits in 32, the all-zero prev-hash as the
	// gamma code of zigzag(256-32)+1 in 17, merkle root, time and nonce in
	// 320: 374 bits, 47 bytes.
	if len(enc) != 47 {
		t.Errorf("genesis standalone is %d bytes, want 47", len(enc))
	}
	golden(t, "standalone-genesis.hex", []byte(hex.EncodeToString(enc)+"\n"))
	for n := range len(enc) {
		_, err := DecodeStandalone(enc[:n])
		wantFormatError(t, err, ErrTruncated)
	}
	_, err = DecodeStandalone(append(enc, 0))
	wantFormatError(t, err, ErrTrailing)
}

func TestStandaloneSynthetic(t *testing.T) {
	hs := syntheticChain(7, 0, 300)
	for i := range hs {
		h := hs[i]
		if i%3 == 0 {
			h.Version = int32(i * 7919) // versions outside the short forms
		}
		enc, err := EncodeStandalone(nil, &h)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := DecodeStandalone(enc)
		if err != nil || dec.BlockHash() != h.BlockHash() {
			t.Fatalf("header %d: round trip failed: %v", i, err)
		}
	}
}

func TestTargetBytes(t *testing.T) {
	tests := []struct {
		bits uint32
		want string // big-endian, leading zero bytes trimmed
	}{
		{0x1d00ffff, "ffff" + zeros(26)},
		{0x17034219, "034219" + zeros(20)},
		{0x03123456, "123456"},
		{0x02123456, "1234"},
		{0x01003456, ""},
		{0x04923456, ""}, // negative
		{0x207fffff, "7fffff" + zeros(29)},
	}
	for _, tt := range tests {
		got := hex.EncodeToString(bytes.TrimLeft(targetBytes(tt.bits), "\x00"))
		if got != tt.want {
			t.Errorf("targetBytes(%08x) = %s, want %s", tt.bits, got, tt.want)
		}
		if n := compactToBig(tt.bits); n.Sign() > 0 && hex.EncodeToString(n.Bytes()) != tt.want {
			t.Errorf("compactToBig(%08x) = %x, want %s", tt.bits, n.Bytes(), tt.want)
		}
	}
}

func zeros(n int) string { return string(bytes.Repeat([]byte("00"), n)) }

func TestRunBody(t *testing.T) {
	c := &HeaderSlice{Start: 100, Headers: syntheticChain(8, 100, 40)}
	info := RunInfo{Start: 120, Count: 20, History: 20}
	body, err := EncodeRunBody(nil, c, info, c.Headers[20:])
	if err != nil {
		t.Fatal(err)
	}
	full, err := EncodeRun(nil, c, 120, 20, c.Headers[20:])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(full, body) || len(full)-len(body) != len(info.append(nil)) {
		t.Fatal("EncodeRun is not the prelude followed by EncodeRunBody")
	}
	dec, err := DecodeRunBody(c, info, body)
	if err != nil || dec[19].BlockHash() != c.Headers[39].BlockHash() {
		t.Fatalf("DecodeRunBody: %v", err)
	}
	if _, err := EncodeRunBody(nil, c, RunInfo{Start: 120, Count: 3, History: 20}, c.Headers[20:]); err == nil {
		t.Error("EncodeRunBody accepted a count that differs from the headers")
	}
	for _, bad := range []RunInfo{{Start: 120, Count: 21, History: 20}, {Start: 120, Count: 20, History: 0}} {
		_, err := DecodeRunBody(c, bad, body)
		wantFormatError(t, err, nil)
	}
}
