package ax25

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// AddressLen is the encoded size of one address: six callsign octets and
// one SSID octet.
const AddressLen = 7

// MaxSSID is the largest secondary station identifier.
const MaxSSID = 15

// SSID octet layout (AX.25 2.2 section 3.12.2):
//
//	bit  7   6 5   4 3 2 1   0
//	     C/H R R   S S I D   X
const (
	ssidFlag     = 0x80 // command bit (dest, src) or has-been-repeated (digi)
	ssidReserved = 0x60 // reserved bits, sent as 1 1
	ssidMask     = 0x1E // SSID 0..15 shifted left one
	ssidLast     = 0x01 // address extension: set on the last address
)

// Address is one station in the address field: a callsign of one to six
// upper-case letters or digits and an SSID of 0 to 15.
//
// Flag is the octet's bit 7. In the destination and source it is the
// command/response bit (a UI command frame has it set in the destination and
// clear in the source, AX.25 2.2 section 6.1.2); in a digipeater it is the
// has-been-repeated (H) bit.
type Address struct {
	Call string
	SSID uint8
	Flag bool
}

// ErrCallsign reports a callsign or SSID that AX.25 cannot carry.
var ErrCallsign = errors.New("ax25: invalid callsign")

// ParseAddress parses "CALL" or "CALL-SSID" (for example "N0CALL-10"). Lower
// case is accepted and normalised to upper case; anything else that is not
// 1 to 6 letters or digits with an optional SSID 0-15 is an error wrapping
// ErrCallsign. The Flag bit is left clear.
func ParseAddress(s string) (Address, error) {
	call, ssid, hasSSID := strings.Cut(s, "-")
	call = upperASCII(call)
	if err := checkCall(call); err != nil {
		return Address{}, fmt.Errorf("ax25: callsign %q: %w", s, err)
	}
	a := Address{Call: call}
	if hasSSID {
		n, err := strconv.ParseUint(ssid, 10, 8)
		if err != nil || n > MaxSSID || ssid == "" || (len(ssid) > 1 && ssid[0] == '0') {
			return Address{}, fmt.Errorf("ax25: callsign %q: SSID must be 0 to 15: %w", s, ErrCallsign)
		}
		a.SSID = uint8(n)
	}
	return a, nil
}

// upperASCII upper-cases ASCII letters only. strings.ToUpper would also map
// some non-ASCII letters to ASCII ones (U+0131 dotless i to I, U+017F long s
// to S), turning a mistyped callsign into another valid one.
func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// MustParseAddress is ParseAddress for constants in tests and examples; it
// panics on an invalid address.
func MustParseAddress(s string) Address {
	a, err := ParseAddress(s)
	if err != nil {
		panic(err)
	}
	return a
}

// checkCall reports whether call is 1 to 6 upper-case letters or digits.
func checkCall(call string) error {
	if len(call) == 0 || len(call) > 6 {
		return fmt.Errorf("%d characters, want 1 to 6: %w", len(call), ErrCallsign)
	}
	for i := 0; i < len(call); i++ {
		if !isCallChar(call[i]) {
			return fmt.Errorf("character %q is not a letter or digit: %w", call[i], ErrCallsign)
		}
	}
	return nil
}

func isCallChar(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// Valid reports whether a has a callsign and SSID AX.25 can carry.
func (a Address) Valid() error {
	if err := checkCall(a.Call); err != nil {
		return fmt.Errorf("ax25: callsign %q: %w", a.Call, err)
	}
	if a.SSID > MaxSSID {
		return fmt.Errorf("ax25: callsign %q: SSID %d above 15: %w", a.Call, a.SSID, ErrCallsign)
	}
	return nil
}

// String returns "CALL" for SSID 0 and "CALL-SSID" otherwise, as TNC2
// monitor text writes it. The Flag bit is not shown.
func (a Address) String() string {
	if a.SSID == 0 {
		return a.Call
	}
	return a.Call + "-" + strconv.Itoa(int(a.SSID))
}

// Equal reports whether a and b name the same station (callsign and SSID),
// whatever their Flag bits.
func (a Address) Equal(b Address) bool { return a.Call == b.Call && a.SSID == b.SSID }

// appendAddress appends the 7-octet encoding of a valid address; last sets
// the address extension bit.
func appendAddress(b []byte, a Address, last bool) []byte {
	var enc [AddressLen]byte
	for i := range 6 {
		c := byte(' ')
		if i < len(a.Call) {
			c = a.Call[i]
		}
		enc[i] = c << 1
	}
	enc[6] = ssidReserved | a.SSID<<1&ssidMask
	if a.Flag {
		enc[6] |= ssidFlag
	}
	if last {
		enc[6] |= ssidLast
	}
	return append(b, enc[:]...)
}

// ErrAddress reports an address field AX.25 does not allow.
var ErrAddress = errors.New("ax25: invalid address field")

// decodeAddress decodes the 7 octets of p. It accepts callsign octets
// holding letters and digits followed only by spaces, with bit 0 clear, and
// ignores the reserved bits.
func decodeAddress(p []byte) (a Address, last bool, err error) {
	var call [6]byte
	n := 0
	for i := range 6 {
		c := p[i]
		if c&1 != 0 {
			return Address{}, false, fmt.Errorf("callsign octet %d has the extension bit set: %w", i, ErrAddress)
		}
		c >>= 1
		switch {
		case c == ' ':
		case isCallChar(c) && n == i:
			call[n] = c
			n++
		default:
			return Address{}, false, fmt.Errorf("callsign octet %d is %#02x: %w", i, p[i], ErrAddress)
		}
	}
	if n == 0 {
		return Address{}, false, fmt.Errorf("empty callsign: %w", ErrAddress)
	}
	s := p[6]
	a = Address{Call: string(call[:n]), SSID: s & ssidMask >> 1, Flag: s&ssidFlag != 0}
	return a, s&ssidLast != 0, nil
}
