package kiss

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzDecoder feeds arbitrary streams to the decoder: it must never panic,
// never return a frame above the limit, and every frame it returns must
// re-encode to a stream that decodes to the same frame.
func FuzzDecoder(f *testing.F) {
	f.Add(AppendFrame(nil, 0, Data, []byte{FEND, FESC, 1}), uint8(8))
	f.Add([]byte{FEND, FEND, 0x00, FESC, TFEND, FEND, 'x', FEND, 0xFF, FEND}, uint8(4))
	f.Add([]byte("\r\ncmd:"), uint8(16))
	f.Fuzz(func(t *testing.T, stream []byte, max uint8) {
		limit := int(max)
		d := NewDecoder(bytes.NewReader(stream), limit)
		for {
			fr, err := d.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("decoder error on in-memory stream: %v", err)
			}
			if len(fr.Data) > limit {
				t.Fatalf("frame of %d octets above limit %d", len(fr.Data), limit)
			}
			enc := AppendFrame(nil, fr.Port, fr.Command, fr.Data)
			again, err := NewDecoder(bytes.NewReader(enc), limit).Next()
			if err != nil || !equalFrame(again, fr) {
				t.Fatalf("re-decoded %+v, %v; want %+v", again, err, fr)
			}
		}
	})
}
