package ax25

import (
	"bytes"
	"errors"
	"testing"
)

// fcsBitwise is the textbook bit-at-a-time CRC-16/X.25, the cross-check for
// the table-driven FCS.
func fcsBitwise(p []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range p {
		for i := range 8 {
			if (crc^uint16(b>>i))&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

func TestFCS(t *testing.T) {
	golden := []struct {
		in   string
		want uint16
	}{
		{"123456789", 0x906E}, // the CRC catalogue's check value for CRC-16/X.25
		{"", 0x0000},
		{"A", 0xA3F5},
	}
	for _, g := range golden {
		if got := FCS([]byte(g.in)); got != g.want {
			t.Errorf("FCS(%q) = %#04x, want %#04x", g.in, got, g.want)
		}
	}
	p := make([]byte, 0, 300)
	for n := range 300 {
		if FCS(p) != fcsBitwise(p) {
			t.Fatalf("length %d: table %#04x, bitwise %#04x", n, FCS(p), fcsBitwise(p))
		}
		p = append(p, byte(n*7+3))
	}
}

func TestCheckFCS(t *testing.T) {
	framed := AppendFCS([]byte("123456789"))
	if !bytes.Equal(framed[9:], []byte{0x6E, 0x90}) {
		t.Fatalf("FCS octets % X, want 6E 90 (low byte first)", framed[9:])
	}
	body, err := CheckFCS(framed)
	if err != nil || string(body) != "123456789" {
		t.Fatalf("CheckFCS = %q, %v", body, err)
	}
	// Every single-bit error is detected.
	for i := range len(framed) * 8 {
		c := append([]byte(nil), framed...)
		c[i/8] ^= 1 << (i % 8)
		if _, err := CheckFCS(c); !errors.Is(err, ErrFCS) {
			t.Fatalf("bit %d flipped: %v", i, err)
		}
	}
	if _, err := CheckFCS([]byte{1}); !errors.Is(err, ErrFCS) {
		t.Fatalf("one byte: %v", err)
	}
}
