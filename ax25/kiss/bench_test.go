package kiss

import (
	"bytes"
	"io"
	"testing"
)

// benchFrame is a 256-octet payload of every octet value: 2 of 256 need an
// escape, like random binary data.
func benchFrame() []byte {
	p := make([]byte, 256)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

// BenchmarkCopy is the baseline: copying the same bytes with no framing.
func BenchmarkCopy(b *testing.B) {
	p := benchFrame()
	dst := make([]byte, 0, 1024)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		dst = append(dst[:0], p...)
	}
}

func BenchmarkEncode(b *testing.B) {
	p := benchFrame()
	dst := make([]byte, 0, EncodedLen(len(p)))
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		dst = AppendFrame(dst[:0], 0, Data, p)
	}
}

func BenchmarkDecode(b *testing.B) {
	p := benchFrame()
	var stream []byte
	for range 64 {
		stream = AppendFrame(stream, 0, Data, p)
	}
	b.SetBytes(int64(64 * len(p)))
	r := bytes.NewReader(stream)
	for b.Loop() {
		r.Reset(stream)
		d := NewDecoder(r, 1024)
		for {
			if _, err := d.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}
