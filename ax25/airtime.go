package ax25

import (
	"fmt"
	"time"
)

// Bit rates of the two packet modems AltNet supports.
const (
	// Rate1200 is 1200-baud AFSK (Bell 202 tones), the VHF APRS standard.
	Rate1200 = 1200
	// Rate9600 is 9600-baud G3RUH FSK.
	Rate9600 = 9600
)

// HDLC framing around a frame on the air.
const (
	// FlagBits is the size of one HDLC flag (0x7E), never bit-stuffed.
	FlagBits = 8
	// FCSLen is the size of the frame check sequence in octets.
	FCSLen = 2
)

// Timing is the channel model of a TNC: how long a frame keeps the
// transmitter keyed. A transmission is
//
//	TXDELAY | opening flag | frame + FCS, bit-stuffed | closing flag | TXTAIL
//
// TXDELAY is the keyed preamble (flags) that lets the receiver's squelch and
// clock recover; TXTAIL keeps the carrier up after the closing flag. A
// second frame queued behind the first shares the preamble and tail:
// Continuation gives its extra time.
type Timing struct {
	// BitRate is the modem's rate in bits per second (Rate1200, Rate9600).
	BitRate int
	TXDelay time.Duration
	TXTail  time.Duration
}

// Check reports whether t describes a modem AltNet supports.
func (t Timing) Check() error {
	if t.BitRate != Rate1200 && t.BitRate != Rate9600 {
		return fmt.Errorf("ax25: bit rate %d, want %d or %d", t.BitRate, Rate1200, Rate9600)
	}
	if t.TXDelay < 0 || t.TXTail < 0 {
		return fmt.Errorf("ax25: negative TXDELAY %v or TXTAIL %v", t.TXDelay, t.TXTail)
	}
	return nil
}

// Bits returns the duration of n bits at t's rate, rounded up to the
// nanosecond.
func (t Timing) Bits(n int) time.Duration {
	r := int64(t.BitRate)
	return time.Duration((int64(n)*int64(time.Second) + r - 1) / r)
}

// Airtime returns the key-up time of one transmission carrying a frame
// whose FCS-included encoding is stuffedBits long after bit stuffing.
func (t Timing) Airtime(stuffedBits int) time.Duration {
	return t.TXDelay + t.Bits(2*FlagBits+stuffedBits) + t.TXTail
}

// Continuation returns the extra key-up time of a frame sent in the same
// transmission as the previous one: the frame and one separating flag.
func (t Timing) Continuation(stuffedBits int) time.Duration {
	return t.Bits(FlagBits + stuffedBits)
}

// FrameAirtime returns the exact airtime of frame (without FCS) sent alone:
// the FCS is computed and the stuffed bits counted.
func (t Timing) FrameAirtime(frame []byte) time.Duration {
	return t.Airtime(StuffedBits(AppendFCS(append([]byte(nil), frame...))))
}

// WorstAirtime returns the airtime of the worst frame of n octets without
// FCS: every bit a one, so one stuffed zero after every five.
func (t Timing) WorstAirtime(n int) time.Duration {
	return t.Airtime(WorstStuffedBits(n + FCSLen))
}

// StuffedBits returns the number of bits p occupies on the air after HDLC
// bit stuffing: octets go least significant bit first, and a zero is
// inserted after every run of five ones (ISO 3309), so no flag can appear
// inside a frame. Pass the frame with its FCS.
func StuffedBits(p []byte) int {
	n, run := 8*len(p), uint8(0)
	for _, c := range p {
		e := stuffTable[run][c]
		n += int(e >> 4)
		run = e & 0x0F
	}
	return n
}

// stuffTable[run][c] describes octet c sent after run ones (0..4): the high
// nibble is the number of zeros stuffed into it, the low nibble the run of
// ones it leaves.
var stuffTable = func() (t [5][256]uint8) {
	for run := range 5 {
		for c := range 256 {
			stuffed, r := 0, run
			for i := range 8 {
				if c>>i&1 == 0 {
					r = 0
					continue
				}
				if r++; r == 5 {
					stuffed++
					r = 0
				}
			}
			t[run][c] = uint8(stuffed<<4 | r)
		}
	}
	return t
}()

// WorstStuffedBits returns the most bits n octets can occupy after bit
// stuffing: all ones, one stuffed zero per five.
func WorstStuffedBits(n int) int { return 8*n + 8*n/5 }
