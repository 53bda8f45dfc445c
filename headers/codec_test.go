package headers

import (
	"testing"

	"github.com/altnet/altnet/compress"
)

var _ compress.Chain = CodecView{}

// TestCodecView encodes real header runs against an in-memory slice and
// decodes them against the store: the bytes and the headers must agree,
// and ExpectedBits must give each stored header's nBits.
func TestCodecView(t *testing.T) {
	run := loadRun(t, "mainnet-headers-822528-830592")
	c := openMainnet(t, dataCheckpoint(t, run, boundaries(t)))
	addBatches(t, c, run.hdrs[1:4000], 2000)
	view := c.CodecView()
	slice := &compress.HeaderSlice{Start: run.first, Headers: run.hdrs}
	for _, start := range []int32{822600, 824544, 826400} {
		i := start - run.first
		hs := run.hdrs[i : i+200]
		enc, err := compress.EncodeRun(nil, slice, start, 16, hs)
		if err != nil {
			t.Fatal(err)
		}
		if enc2, err := compress.EncodeRun(nil, view, start, 16, hs); err != nil || string(enc2) != string(enc) {
			t.Fatalf("run at %d encodes differently against the store: %v", start, err)
		}
		_, got, err := compress.DecodeRun(view, enc)
		if err != nil || len(got) != len(hs) || got[199].BlockHash() != hs[199].BlockHash() {
			t.Fatalf("run at %d does not decode against the store: %v", start, err)
		}
	}
	for h := run.first + 1; h <= run.first+3999; h += 97 {
		if h > 824544 && h-97 < 824544 {
			h = 824544 // a retarget
		}
		bits, ok := view.ExpectedBits(h)
		if !ok || bits != run.hdrs[h-run.first].Bits {
			t.Fatalf("ExpectedBits(%d) = %#08x %v, want %#08x", h, bits, ok, run.hdrs[h-run.first].Bits)
		}
	}
	if _, ok := view.ExpectedBits(run.first + 4001); ok {
		t.Fatal("ExpectedBits above the tip")
	}
	if _, ok := view.Header(run.first - 1); ok {
		t.Fatal("Header below the checkpoint")
	}
}
