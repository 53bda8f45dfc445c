// Package kiss frames data between a host and a KISS TNC: the byte-stuffed
// framing of K. Chepponis and P. Karn, "The KISS TNC: A simple Host-to-TNC
// communications protocol" (ARRL CNC 1987), as Direwolf and hardware TNCs
// speak it over serial lines and TCP.
//
// A frame on the wire is
//
//	FEND | command | data, escaped | FEND
//
// FEND (0xC0) delimits frames; inside a frame FEND is sent as FESC TFEND
// (0xDB 0xDC) and FESC as FESC TFESC (0xDB 0xDD). The command octet carries
// the TNC port in its high nibble and the command in its low nibble; 0xFF
// (Return) leaves KISS mode. Data frames carry one AX.25 frame without FCS.
//
// The encoder is AppendFrame. The decoder is a bufio.SplitFunc (Splitter)
// wrapped in a Decoder; it resynchronises on the next FEND after noise,
// drops frames above a size limit without losing the next one, and never
// stops on bad input.
package kiss

import (
	"fmt"
	"time"
)

// Special octets of the framing.
const (
	FEND  = 0xC0 // frame end
	FESC  = 0xDB // frame escape
	TFEND = 0xDC // transposed frame end, after FESC
	TFESC = 0xDD // transposed frame escape, after FESC
)

// Command is the low nibble of a frame's command octet (Return is the whole
// octet 0xFF).
type Command uint8

// The commands of the KISS specification.
const (
	Data        Command = 0x00 // an AX.25 frame to send or received
	TXDelay     Command = 0x01 // keyup delay, in 10 ms units
	Persistence Command = 0x02 // p-persistence parameter P, 0..255 (p = (P+1)/256)
	SlotTime    Command = 0x03 // slot interval, in 10 ms units
	TXTail      Command = 0x04 // time to hold the carrier after the frame, in 10 ms units (obsolete in the spec, used by Direwolf)
	FullDuplex  Command = 0x05 // 0 half duplex (carrier sense), nonzero full duplex
	SetHardware Command = 0x06 // TNC-specific
	Return      Command = 0xFF // leave KISS mode (sent as the octet 0xFF, port ignored)
)

var commandNames = [...]string{
	Data: "Data", TXDelay: "TXDelay", Persistence: "Persistence", SlotTime: "SlotTime",
	TXTail: "TXTail", FullDuplex: "FullDuplex", SetHardware: "SetHardware",
}

// String returns the command's name, or its value in hex when unknown.
func (c Command) String() string {
	if c == Return {
		return "Return"
	}
	if int(c) < len(commandNames) {
		return commandNames[c]
	}
	return fmt.Sprintf("Command(%#02x)", uint8(c))
}

// Known reports whether c is one of the commands above.
func (c Command) Known() bool { return c == Return || int(c) < len(commandNames) }

// MaxPort is the highest TNC port a command octet can name.
const MaxPort = 15

// Frame is one KISS frame.
type Frame struct {
	// Port is the TNC port (radio channel), 0..15.
	Port    uint8
	Command Command
	// Data is the frame's content after the command octet: an AX.25 frame
	// for Data, one parameter octet for the timing commands.
	Data []byte
}

// AppendFrame appends the encoded frame (both FENDs included) to b. Port
// is masked to four bits; the Return command is written as 0xFF whatever
// the port.
func AppendFrame(b []byte, port uint8, cmd Command, data []byte) []byte {
	c := port<<4 | uint8(cmd)&0x0F
	if cmd == Return {
		c = 0xFF
	}
	b = append(b, FEND)
	b = appendEscaped(b, c)
	for _, x := range data {
		b = appendEscaped(b, x)
	}
	return append(b, FEND)
}

func appendEscaped(b []byte, x byte) []byte {
	switch x {
	case FEND:
		return append(b, FESC, TFEND)
	case FESC:
		return append(b, FESC, TFESC)
	}
	return append(b, x)
}

// EncodedLen returns the longest encoding of a frame with n data octets:
// every octet escaped, plus the command and two FENDs.
func EncodedLen(n int) int { return 2*(n+1) + 2 }

// Param returns the parameter octet for a duration in the 10 ms units of
// TXDelay, SlotTime and TXTail, rounded to the nearest unit and clamped to
// 0..255 (2.55 s).
func Param(d time.Duration) uint8 {
	u := (d + 5*time.Millisecond) / (10 * time.Millisecond)
	return uint8(max(0, min(u, 255)))
}

// ParamDuration returns the duration a 10 ms-unit parameter octet stands for.
func ParamDuration(v uint8) time.Duration { return time.Duration(v) * 10 * time.Millisecond }
