package ax25

import "testing"

func benchUI() Frame {
	info := make([]byte, 256)
	for i := range info {
		info[i] = byte(i)
	}
	return NewUI(MustParseAddress("N0CALL-10"), MustParseAddress("ALTNET"),
		[]Address{MustParseAddress("WIDE1-1")}, PIDNoLayer3, info)
}

// BenchmarkCopy is the baseline: copying a frame's bytes.
func BenchmarkCopy(b *testing.B) {
	f := benchUI()
	p, _ := f.MarshalBinary()
	dst := make([]byte, 0, 1024)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		dst = append(dst[:0], p...)
	}
}

func BenchmarkEncodeUI(b *testing.B) {
	f := benchUI()
	dst := make([]byte, 0, 1024)
	b.SetBytes(int64(f.HeaderLen() + len(f.Info)))
	for b.Loop() {
		var err error
		if dst, err = f.AppendBinary(dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeUI(b *testing.B) {
	f := benchUI()
	p, _ := f.MarshalBinary()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := Decode(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFCS(b *testing.B) {
	f := benchUI()
	p, _ := f.MarshalBinary()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		_ = FCS(p)
	}
}

func BenchmarkStuffedBits(b *testing.B) {
	f := benchUI()
	p, _ := f.MarshalBinary()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		_ = StuffedBits(p)
	}
}
