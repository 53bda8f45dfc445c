package ax25

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// fcsTable is the byte table of CRC-16/X.25: the CCITT polynomial
// x^16 + x^12 + x^5 + 1 (0x1021) processed least significant bit first,
// hence reflected 0x8408 (AX.25 2.2 section 3.8, ISO 3309).
var fcsTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x8408
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// FCS returns the frame check sequence of p: CRC-16/X.25 (initial value
// 0xFFFF, reflected, final XOR 0xFFFF). FCS([]byte("123456789")) is 0x906E.
func FCS(p []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range p {
		crc = crc>>8 ^ fcsTable[byte(crc)^b]
	}
	return ^crc
}

// AppendFCS appends the FCS of frame to frame, low byte first as HDLC
// sends it, and returns the extended slice.
func AppendFCS(frame []byte) []byte {
	return binary.LittleEndian.AppendUint16(frame, FCS(frame))
}

// ErrFCS reports a frame whose FCS does not match its content.
var ErrFCS = errors.New("ax25: FCS mismatch")

// CheckFCS verifies the two trailing FCS bytes of p and returns p without
// them. It returns an error wrapping ErrFCS on a mismatch or a frame
// shorter than the FCS.
func CheckFCS(p []byte) ([]byte, error) {
	if len(p) < 2 {
		return nil, fmt.Errorf("ax25: %d bytes cannot hold an FCS: %w", len(p), ErrFCS)
	}
	body := p[:len(p)-2]
	got := binary.LittleEndian.Uint16(p[len(p)-2:])
	if want := FCS(body); got != want {
		return nil, fmt.Errorf("ax25: FCS %#04x, computed %#04x: %w", got, want, ErrFCS)
	}
	return body, nil
}
