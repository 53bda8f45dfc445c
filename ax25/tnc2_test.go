package ax25

import (
	"errors"
	"testing"
)

func TestTNC2(t *testing.T) {
	src, dst := MustParseAddress("W1MED-1"), MustParseAddress("T2QP0S")
	path := []Address{
		{Call: "N1OHZ", Flag: true}, {Call: "N8VIM", Flag: true},
		{Call: "WIDE1", SSID: 1},
	}
	tests := []struct {
		name  string
		path  []Address
		info  string
		ascii bool
		want  string
	}{
		// The example in Direwolf's ax25_safe_print comment.
		{"direwolf example", path, "'cQBl \x1c-/]\r", false,
			"W1MED-1>T2QP0S,N1OHZ,N8VIM*,WIDE1-1:'cQBl <0x1c>-/]<0x0d>"},
		{"heard directly", nil, "hello", false, "W1MED-1>T2QP0S:hello"},
		{"trailing space", nil, "a b ", false, "W1MED-1>T2QP0S:a b<0x20>"},
		{"DEL FE FF", nil, "\x7f\xfe\xff", false, "W1MED-1>T2QP0S:<0x7f><0xfe><0xff>"},
		{"UTF-8 passes", nil, "73 de Jürgen", false, "W1MED-1>T2QP0S:73 de Jürgen"},
		{"ASCII only", nil, "J\xc3\xbcrgen", true, "W1MED-1>T2QP0S:J<0xc3><0xbc>rgen"},
		{"NUL", nil, "\x00a", false, "W1MED-1>T2QP0S:<0x00>a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Frame{Src: src, Dst: dst, Path: tt.path, Control: ControlUI, PID: PIDNoLayer3, Info: []byte(tt.info)}
			if got := string(f.AppendTNC2(nil, tt.ascii)); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseTNC2Path(t *testing.T) {
	src, dst, path, err := ParseTNC2Path("n0call-10>APRS,WIDE1-1,WIDE2-2*,RELAY")
	if err != nil {
		t.Fatal(err)
	}
	f := Frame{Src: src, Dst: dst, Path: path}
	if got := string(f.AppendTNC2(nil, false)); got != "N0CALL-10>APRS,WIDE1-1,WIDE2-2*,RELAY:" {
		t.Fatalf("round trip %q", got)
	}
	if !path[0].Flag || !path[1].Flag || path[2].Flag {
		t.Fatalf("H bits %+v", path)
	}
	for _, bad := range []string{"N0CALL", "N0CALL>", ">APRS", "N0CALL>APRS,A,B,C,D,E,F,G,H,I", "N0CALL>APRS,WIDE1-99"} {
		if _, _, _, err := ParseTNC2Path(bad); err == nil {
			t.Errorf("ParseTNC2Path(%q) accepted", bad)
		} else if !errors.Is(err, ErrCallsign) && !errors.Is(err, ErrTooManyDigipeaters) {
			t.Errorf("ParseTNC2Path(%q): %v", bad, err)
		}
	}
}
