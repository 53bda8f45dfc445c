package ax25

import (
	"fmt"
	"strings"
)

// String returns f in TNC2 monitor format, as Direwolf's kissutil and atest
// print it: "SRC>DST,DIGI1,DIGI2*:info". The asterisk follows the last
// digipeater whose has-been-repeated bit is set (none: the source was heard
// directly). The information field is escaped by AppendSafe with asciiOnly
// false.
func (f Frame) String() string {
	return string(f.AppendTNC2(nil, false))
}

// AppendTNC2 appends f's TNC2 monitor text to b (see String). With asciiOnly,
// octets 0x80 and above are escaped too, as Direwolf does for frames that
// are not APRS.
func (f *Frame) AppendTNC2(b []byte, asciiOnly bool) []byte {
	b = append(b, f.Src.String()...)
	b = append(b, '>')
	b = append(b, f.Dst.String()...)
	heard := -1
	for i, a := range f.Path {
		if a.Flag {
			heard = i
		}
	}
	for i, a := range f.Path {
		b = append(b, ',')
		b = append(b, a.String()...)
		if i == heard {
			b = append(b, '*')
		}
	}
	b = append(b, ':')
	return AppendSafe(b, f.Info, asciiOnly)
}

// AppendSafe appends p to b with every octet that would disturb a terminal
// written as "<0xNN>" (two lower-case hex digits), exactly as Direwolf's
// ax25_safe_print: control characters (below 0x20), DEL (0x7F), 0xFE and
// 0xFF (never part of UTF-8), a space at the very end (so it stays
// visible), and with asciiOnly every octet from 0x80 up. Other octets,
// including UTF-8 sequences, pass through.
func AppendSafe(b, p []byte, asciiOnly bool) []byte {
	for i, c := range p {
		switch {
		case c == ' ' && i == len(p)-1,
			c < ' ', c == 0x7F, c == 0xFE, c == 0xFF,
			asciiOnly && c >= 0x80:
			b = fmt.Appendf(b, "<0x%02x>", c)
		default:
			b = append(b, c)
		}
	}
	return b
}

// ParseTNC2Path parses the address part of a TNC2 line, "SRC>DST,DIGI,...",
// into addresses. A digipeater written with a trailing "*" gets its
// has-been-repeated bit set, and so do the digipeaters before it.
func ParseTNC2Path(s string) (src, dst Address, path []Address, err error) {
	srcText, rest, ok := strings.Cut(s, ">")
	if !ok {
		return src, dst, nil, fmt.Errorf("ax25: %q lacks '>' between source and destination: %w", s, ErrCallsign)
	}
	if src, err = ParseAddress(srcText); err != nil {
		return src, dst, nil, err
	}
	parts := strings.Split(rest, ",")
	if dst, err = ParseAddress(parts[0]); err != nil {
		return src, dst, nil, err
	}
	if len(parts)-1 > MaxDigipeaters {
		return src, dst, nil, fmt.Errorf("ax25: %d digipeaters in %q: %w", len(parts)-1, s, ErrTooManyDigipeaters)
	}
	heard := -1
	for i, p := range parts[1:] {
		if t, ok := strings.CutSuffix(p, "*"); ok {
			p, heard = t, i
		}
		a, err := ParseAddress(p)
		if err != nil {
			return src, dst, nil, err
		}
		path = append(path, a)
	}
	for i := 0; i <= heard; i++ {
		path[i].Flag = true
	}
	return src, dst, path, nil
}
