package kiss

import (
	"bytes"
	"testing"
	"testing/iotest"
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
		whole, _ := decodeAll(t, stream, limit)
		for _, fr := range whole {
			if len(fr.Data) > limit {
				t.Fatalf("frame of %d octets above limit %d", len(fr.Data), limit)
			}
			enc := AppendFrame(nil, fr.Port, fr.Command, fr.Data)
			again, err := NewDecoder(bytes.NewReader(enc), limit).Next()
			if err != nil || !equalFrame(again, fr) {
				t.Fatalf("re-decoded %+v, %v; want %+v", again, err, fr)
			}
		}
		// Read boundaries must not matter: a serial line delivers a
		// frame in pieces.
		bytewise, _ := decodeReader(t, iotest.OneByteReader(bytes.NewReader(stream)), limit)
		if len(bytewise) != len(whole) {
			t.Fatalf("%d frames read whole, %d read a byte at a time", len(whole), len(bytewise))
		}
		for i := range whole {
			if !equalFrame(whole[i], bytewise[i]) {
				t.Fatalf("frame %d: %+v read whole, %+v a byte at a time", i, whole[i], bytewise[i])
			}
		}
	})
}
