package ax25

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// encodes and decodes to the same frame.
func FuzzDecode(f *testing.F) {
	f.Add(uiFrame)
	f.Add(uiFrame[:16])
	f.Add(append(append([]byte(nil), uiFrame[:13]...), 0x75, 0x01))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		fr, err := Decode(p)
		if err != nil {
			return
		}
		enc, err := fr.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded frame does not encode: %v\n%+v", err, fr)
		}
		if len(enc) != len(p) {
			t.Fatalf("re-encoded %d bytes from %d", len(enc), len(p))
		}
		again, err := Decode(enc)
		if err != nil || !reflect.DeepEqual(again, fr) {
			t.Fatalf("second decode %+v, %v; first %+v", again, err, fr)
		}
		// Only the reserved bits of the SSID octets may differ.
		for i := range p {
			mask := byte(0xFF)
			if i < fr.HeaderLen() && i%AddressLen == AddressLen-1 && i < (2+len(fr.Path))*AddressLen {
				mask = ^byte(ssidReserved)
			}
			if p[i]&mask != enc[i]&mask {
				t.Fatalf("octet %d: % X became % X", i, p, enc)
			}
		}
		_ = fr.String()
		if !bytes.Equal(fr.Info, p[fr.HeaderLen():]) {
			t.Fatal("info is not the frame's tail")
		}
	})
}
