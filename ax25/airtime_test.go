package ax25

import (
	"bytes"
	"testing"
	"time"
)

// stuffNaive bit-stuffs p the obvious way and returns the bit count.
func stuffNaive(p []byte) int {
	n, run := 0, 0
	for _, c := range p {
		for i := range 8 {
			n++
			if c>>i&1 == 1 {
				run++
				if run == 5 {
					n++ // the stuffed zero
					run = 0
				}
			} else {
				run = 0
			}
		}
	}
	return n
}

func TestStuffedBits(t *testing.T) {
	tests := []struct {
		p    []byte
		want int
	}{
		{nil, 0},
		{[]byte{0x00}, 8},
		{[]byte{0x1F}, 9},                   // five ones, then zeros
		{[]byte{0xFF}, 9},                   // eight ones: one stuffed
		{[]byte{0xFF, 0xFF}, 19},            // sixteen ones: three stuffed
		{[]byte{0x7E}, 9},                   // a flag's six ones inside a frame
		{[]byte{0xF8, 0x03}, 17},            // run of 5+2 ones across the octet edge
		{bytes.Repeat([]byte{0xFF}, 5), 48}, // 40 ones: eight stuffed
	}
	for _, tt := range tests {
		if got := StuffedBits(tt.p); got != tt.want || stuffNaive(tt.p) != tt.want {
			t.Errorf("StuffedBits(% X) = %d (naive %d), want %d", tt.p, got, stuffNaive(tt.p), tt.want)
		}
	}
	// Cross-check on every octet pair and a pseudo-random stream.
	for a := range 256 {
		for b := range 256 {
			p := []byte{byte(a), byte(b), byte(a ^ b)}
			if StuffedBits(p) != stuffNaive(p) {
				t.Fatalf("% X: %d, naive %d", p, StuffedBits(p), stuffNaive(p))
			}
		}
	}
	if got := StuffedBits(bytes.Repeat([]byte{0xFF}, 100)); got != WorstStuffedBits(100) {
		t.Fatalf("all ones: %d, worst case %d", got, WorstStuffedBits(100))
	}
}

func TestAirtime(t *testing.T) {
	afsk := Timing{BitRate: Rate1200, TXDelay: 300 * time.Millisecond, TXTail: 100 * time.Millisecond}
	// 200 octets of zeros plus the FCS: no stuffing in the body.
	frame := make([]byte, 200)
	bits := StuffedBits(AppendFCS(append([]byte(nil), frame...)))
	want := 300*time.Millisecond + afsk.Bits(16+bits) + 100*time.Millisecond
	if got := afsk.FrameAirtime(frame); got != want {
		t.Fatalf("FrameAirtime = %v, want %v", got, want)
	}
	// direwolf-kiss.md measured about 1.78 s for a 200-byte frame with the
	// default timing (random content): the model must agree within 5 %.
	text := bytes.Repeat([]byte("The quick brown fox 0123456789 "), 7)[:200]
	if got := afsk.FrameAirtime(text); got < 1690*time.Millisecond || got > 1870*time.Millisecond {
		t.Fatalf("200-byte text frame: %v, want about 1.78 s", got)
	}
	if afsk.Bits(1200) != time.Second || (Timing{BitRate: Rate9600}).Bits(9600) != time.Second {
		t.Fatal("one second of bits is not a second")
	}
	if w := afsk.WorstAirtime(200); w < afsk.FrameAirtime(text) {
		t.Fatalf("worst case %v below a real frame", w)
	}
	if err := (Timing{BitRate: 300}).Check(); err == nil {
		t.Fatal("300 baud accepted")
	}
}
