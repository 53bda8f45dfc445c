package ax25

import (
	"bytes"
	"errors"
	"testing"
)

func TestAddressEncoding(t *testing.T) {
	tests := []struct {
		name string
		a    Address
		last bool
		want []byte
	}{
		{"APRS SSID 0, not last", Address{Call: "APRS"}, false,
			//  A     P     R     S    ' '   ' '   0 11 0000 0
			[]byte{0x82, 0xA0, 0xA4, 0xA6, 0x40, 0x40, 0x60}},
		{"APRS with the command bit", Address{Call: "APRS", Flag: true}, false,
			//                                   1 11 0000 0
			[]byte{0x82, 0xA0, 0xA4, 0xA6, 0x40, 0x40, 0xE0}},
		{"N0CALL-10, last", Address{Call: "N0CALL", SSID: 10}, true,
			//  N     0     C     A     L     L    0 11 1010 1
			[]byte{0x9C, 0x60, 0x86, 0x82, 0x98, 0x98, 0x75}},
		{"WIDE2-2 repeated, last", Address{Call: "WIDE2", SSID: 2, Flag: true}, true,
			//  W     I     D     E     2    ' '   1 11 0010 1
			[]byte{0xAE, 0x92, 0x88, 0x8A, 0x64, 0x40, 0xE5}},
		{"one letter, SSID 15", Address{Call: "K", SSID: 15}, false,
			//  K    ' '   ' '   ' '   ' '   ' '   0 11 1111 0
			[]byte{0x96, 0x40, 0x40, 0x40, 0x40, 0x40, 0x7E}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appendAddress(nil, tt.a, tt.last)
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("encoded % X, want % X", got, tt.want)
			}
			a, last, err := decodeAddress(got)
			if err != nil || a != tt.a || last != tt.last {
				t.Fatalf("decoded %+v last=%v err=%v", a, last, err)
			}
		})
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in   string
		want Address
		bad  bool
	}{
		{in: "N0CALL", want: Address{Call: "N0CALL"}},
		{in: "n0call-10", want: Address{Call: "N0CALL", SSID: 10}},
		{in: "K-0", want: Address{Call: "K"}},
		{in: "APRS-15", want: Address{Call: "APRS", SSID: 15}},
		{in: "", bad: true},
		{in: "TOOLONG", bad: true},
		{in: "N0CALL-16", bad: true},
		{in: "N0CALL-", bad: true},
		{in: "N0CALL-01", bad: true},
		{in: "N0CALL--1", bad: true},
		{in: "N0CALL-1-2", bad: true},
		{in: "N0 CAL", bad: true},
		{in: "N0CÄL", bad: true},
		{in: "WIDE1-1*", bad: true},
		{in: "-5", bad: true},
		// Letters outside ASCII whose upper case is ASCII (dotless i,
		// long s, Kelvin sign) must not turn into another callsign.
		{in: "n\u0131call", bad: true},
		{in: "N0CAL\u017f", bad: true},
		{in: "\u212a1ABC", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseAddress(tt.in)
		switch {
		case tt.bad && !errors.Is(err, ErrCallsign):
			t.Errorf("ParseAddress(%q) = %+v, %v; want ErrCallsign", tt.in, got, err)
		case !tt.bad && (err != nil || got != tt.want):
			t.Errorf("ParseAddress(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

// uiFrame is N0CALL-10>APRS,WIDE1-1:hi as a UI command frame.
var uiFrame = []byte{
	0x82, 0xA0, 0xA4, 0xA6, 0x40, 0x40, 0xE0, // dest APRS, command bit set
	0x9C, 0x60, 0x86, 0x82, 0x98, 0x98, 0x74, // src N0CALL-10, command bit clear
	0xAE, 0x92, 0x88, 0x8A, 0x62, 0x40, 0x63, // digi WIDE1-1, not repeated, last
	0x03,       // control: UI
	0xF0,       // PID: no layer 3
	0x68, 0x69, // info "hi"
}

func TestUIFrameVector(t *testing.T) {
	f := NewUI(MustParseAddress("N0CALL-10"), MustParseAddress("APRS"),
		[]Address{MustParseAddress("WIDE1-1")}, PIDNoLayer3, []byte("hi"))
	got, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, uiFrame) {
		t.Fatalf("encoded\n% X\nwant\n% X", got, uiFrame)
	}
	d, err := Decode(uiFrame)
	if err != nil {
		t.Fatal(err)
	}
	if !d.IsUI() || !d.HasPID() || d.PID != PIDNoLayer3 || d.String() != "N0CALL-10>APRS,WIDE1-1:hi" {
		t.Fatalf("decoded %+v (%s)", d, d)
	}
	if !d.Dst.Flag || d.Src.Flag {
		t.Fatalf("command bits dst=%v src=%v, want true false", d.Dst.Flag, d.Src.Flag)
	}
}

func TestDecodeErrors(t *testing.T) {
	// lastSrc is the vector's destination and source, the source marked last.
	lastSrc := append(append([]byte(nil), uiFrame[:13]...), 0x75)
	tests := []struct {
		name string
		p    []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"half an address", uiFrame[:4], ErrShort},
		{"destination only", uiFrame[:7], ErrShort},
		{"no control", lastSrc, ErrShort},
		{"UI without PID", append(lastSrc[:14:14], 0x03), ErrShort},
		{"destination marked last", func() []byte {
			p := append([]byte(nil), uiFrame...)
			p[6] |= 1
			return p
		}(), ErrAddress},
		{"no last mark in ten addresses", bytes.Repeat(uiFrame[:7], 11), ErrAddress},
		{"lower-case callsign", append([]byte{'n' << 1}, uiFrame[1:]...), ErrAddress},
		{"extension bit inside callsign", append([]byte{0x83}, uiFrame[1:]...), ErrAddress},
		{"letter after padding", append([]byte{0x82, 0x40, 0xA4}, uiFrame[3:]...), ErrAddress},
		{"all spaces", append(bytes.Repeat([]byte{0x40}, 6), uiFrame[6:]...), ErrAddress},
		{"too long", make([]byte, MaxFrameLen+1), ErrTooLong},
		{"info above MaxInfo", append(append([]byte(nil), lastSrc...), append([]byte{0x03, 0xF0}, make([]byte, MaxInfo+1)...)...), ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Decode(tt.p)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode = %+v, %v; want %v", f, err, tt.want)
			}
		})
	}
}

func TestDecodeNonUI(t *testing.T) {
	// An S frame (RR, control 0x01) carries no PID: everything after the
	// control octet is Info.
	p := append(append([]byte(nil), uiFrame[:13]...), 0x75, 0x01, 0xAA)
	f, err := Decode(p)
	if err != nil {
		t.Fatal(err)
	}
	if f.IsUI() || f.HasPID() || !bytes.Equal(f.Info, []byte{0xAA}) {
		t.Fatalf("decoded %+v", f)
	}
	back, err := f.MarshalBinary()
	if err != nil || !bytes.Equal(back, p) {
		t.Fatalf("re-encoded % X, %v", back, err)
	}
}

func TestEncodeErrors(t *testing.T) {
	src, dst := MustParseAddress("N0CALL"), MustParseAddress("APRS")
	tests := []struct {
		name string
		f    Frame
		want error
	}{
		{"nine digipeaters", NewUI(src, dst, make([]Address, 9), PIDNoLayer3, nil), ErrTooManyDigipeaters},
		{"info too long", NewUI(src, dst, nil, PIDNoLayer3, make([]byte, MaxInfo+1)), ErrInfoTooLong},
		{"empty source", NewUI(Address{}, dst, nil, PIDNoLayer3, nil), ErrCallsign},
		{"lower-case destination", NewUI(src, Address{Call: "aprs"}, nil, PIDNoLayer3, nil), ErrCallsign},
		{"SSID 16", NewUI(Address{Call: "N0CALL", SSID: 16}, dst, nil, PIDNoLayer3, nil), ErrCallsign},
		{"bad digipeater", NewUI(src, dst, []Address{{Call: "WIDE1-1"}}, PIDNoLayer3, nil), ErrCallsign},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.f.AppendBinary([]byte{1})
			if !errors.Is(err, tt.want) || !bytes.Equal(b, []byte{1}) {
				t.Fatalf("AppendBinary = % X, %v; want %v and nothing appended", b, err, tt.want)
			}
		})
	}
}

// TestRoundTripAllBytes checks that every octet value survives encoding and
// decoding in the information field and the PID.
func TestRoundTripAllBytes(t *testing.T) {
	info := make([]byte, 256)
	for i := range info {
		info[i] = byte(i)
	}
	for pid := range 256 {
		f := NewUI(MustParseAddress("N0CALL-1"), MustParseAddress("ALTNET"), nil, byte(pid), info)
		p, err := f.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		d, err := Decode(p)
		if err != nil || d.PID != byte(pid) || !bytes.Equal(d.Info, info) {
			t.Fatalf("PID %#02x: decoded %+v, %v", pid, d, err)
		}
	}
}
