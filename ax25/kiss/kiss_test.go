package kiss

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
	"testing/iotest"
	"time"
)

func TestAppendFrame(t *testing.T) {
	tests := []struct {
		name string
		port uint8
		cmd  Command
		data []byte
		want []byte
	}{
		{"data port 0", 0, Data, []byte{0x01, 0x02},
			[]byte{FEND, 0x00, 0x01, 0x02, FEND}},
		{"escapes", 0, Data, []byte{FEND, FESC, TFEND, TFESC},
			//     cmd   FEND→FESC TFEND  FESC→FESC TFESC  TFEND TFESC unchanged
			[]byte{FEND, 0x00, FESC, TFEND, FESC, TFESC, TFEND, TFESC, FEND}},
		{"port 5 TXDELAY 30", 5, TXDelay, []byte{30},
			[]byte{FEND, 0x51, 30, FEND}},
		{"port 15 persistence", 15, Persistence, []byte{63},
			[]byte{FEND, 0xF2, 63, FEND}},
		{"slot time", 0, SlotTime, []byte{10}, []byte{FEND, 0x03, 10, FEND}},
		{"TX tail", 0, TXTail, []byte{10}, []byte{FEND, 0x04, 10, FEND}},
		{"full duplex", 1, FullDuplex, []byte{1}, []byte{FEND, 0x15, 1, FEND}},
		{"set hardware", 0, SetHardware, []byte("TNC:"), []byte{FEND, 0x06, 'T', 'N', 'C', ':', FEND}},
		{"return ignores port", 7, Return, nil, []byte{FEND, 0xFF, FEND}},
		{"port 12 data, command octet escaped", 12, Data, nil, []byte{FEND, FESC, TFEND, FEND}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendFrame(nil, tt.port, tt.cmd, tt.data)
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("encoded % X, want % X", got, tt.want)
			}
			if len(got) > EncodedLen(len(tt.data)) {
				t.Fatalf("%d octets, EncodedLen says at most %d", len(got), EncodedLen(len(tt.data)))
			}
			fs, _ := decodeAll(t, got, 64)
			want := Frame{Port: tt.port, Command: tt.cmd, Data: tt.data}
			if tt.cmd == Return {
				want.Port = 0
			}
			if len(fs) != 1 || !equalFrame(fs[0], want) {
				t.Fatalf("decoded %+v, want %+v", fs, want)
			}
		})
	}
}

func equalFrame(a, b Frame) bool {
	return a.Port == b.Port && a.Command == b.Command && bytes.Equal(a.Data, b.Data)
}

// decodeAll decodes stream, read through r's wrappers, until EOF.
func decodeAll(t *testing.T, stream []byte, maxData int) ([]Frame, *Decoder) {
	t.Helper()
	return decodeReader(t, bytes.NewReader(stream), maxData)
}

func decodeReader(t *testing.T, r io.Reader, maxData int) ([]Frame, *Decoder) {
	t.Helper()
	d := NewDecoder(r, maxData)
	var out []Frame
	for {
		f, err := d.Next()
		if errors.Is(err, io.EOF) {
			return out, d
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, f)
	}
}

// TestAllByteValues is the property test: every octet value, alone and in
// sequence, survives encoding and decoding on every port.
func TestAllByteValues(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	var stream []byte
	var want []Frame
	for port := range uint8(MaxPort + 1) {
		for v := range 256 {
			stream = AppendFrame(stream, port, Data, []byte{byte(v)})
			want = append(want, Frame{Port: port, Command: Data, Data: []byte{byte(v)}})
		}
		stream = AppendFrame(stream, port, Data, all)
		want = append(want, Frame{Port: port, Command: Data, Data: all})
	}
	got, d := decodeAll(t, stream, 256)
	if len(got) != len(want) {
		t.Fatalf("%d frames, want %d", len(got), len(want))
	}
	for i := range want {
		if !equalFrame(got[i], want[i]) {
			t.Fatalf("frame %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if s := d.Stats(); s.Oversize.Load()+s.Invalid.Load()+s.Skipped.Load() != 0 {
		t.Fatalf("clean stream dropped something: %+v", s)
	}
}

// TestEveryReadBoundary splits a stream of three frames at every pair of
// positions, and reads it one byte at a time.
func TestEveryReadBoundary(t *testing.T) {
	frames := []Frame{
		{Command: Data, Data: []byte{FEND, 1, FESC, 2}},
		{Port: 1, Command: TXDelay, Data: []byte{FESC}},
		{Command: Data, Data: bytes.Repeat([]byte{FEND}, 5)},
	}
	var stream []byte
	for _, f := range frames {
		stream = AppendFrame(stream, f.Port, f.Command, f.Data)
	}
	check := func(name string, r io.Reader) {
		got, _ := decodeReader(t, r, 16)
		if !reflect.DeepEqual(len(got), len(frames)) {
			t.Fatalf("%s: %d frames", name, len(got))
		}
		for i := range frames {
			if !equalFrame(got[i], frames[i]) {
				t.Fatalf("%s: frame %d %+v", name, i, got[i])
			}
		}
	}
	check("one byte at a time", iotest.OneByteReader(bytes.NewReader(stream)))
	for i := 0; i <= len(stream); i++ {
		for j := i; j <= len(stream); j++ {
			check("chunks", &chunkReader{chunks: [][]byte{stream[:i], stream[i:j], stream[j:]}})
		}
	}
}

// chunkReader returns its chunks one per Read.
type chunkReader struct{ chunks [][]byte }

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.chunks) > 0 && len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	return n, nil
}

func TestNoiseAndResync(t *testing.T) {
	ok1 := AppendFrame(nil, 0, Data, []byte("one"))
	ok2 := AppendFrame(nil, 0, Data, []byte("two"))
	big := AppendFrame(nil, 0, Data, bytes.Repeat([]byte{FEND}, 40)) // 81 escaped octets, 40 data
	tests := []struct {
		name   string
		stream []byte
		want   []string
		stats  [3]int64 // oversize, invalid, skipped
	}{
		{"leading noise", cat([]byte("garbage"), ok1), []string{"one"}, [3]int64{0, 0, 7}},
		{"back-to-back FENDs", cat([]byte{FEND, FEND, FEND}, ok1, []byte{FEND, FEND}, ok2), []string{"one", "two"}, [3]int64{}},
		{"shared FEND", cat(ok1[:len(ok1)-1], ok2), []string{"one", "two"}, [3]int64{}},
		// Direwolf answers bytes ending in CR with this text, outside FENDs.
		{"direwolf prompt between frames", cat(ok1, []byte("\r\ncmd:"), ok2), []string{"one", "two"}, [3]int64{0, 1, 0}},
		{"bad escape", cat([]byte{FEND, 0x00, FESC, 0x41, FEND}, ok1), []string{"one"}, [3]int64{0, 1, 0}},
		{"escape at end", cat([]byte{FEND, 0x00, 0x41, FESC, FEND}, ok1), []string{"one"}, [3]int64{0, 1, 0}},
		{"unknown command", cat([]byte{FEND, 0x07, 0x41, FEND}, ok1), []string{"one"}, [3]int64{0, 1, 0}},
		{"oversize between good frames", cat(ok1, big, ok2), []string{"one", "two"}, [3]int64{1, 0, 0}},
		{"oversize without FEND in sight", cat(ok1, []byte{FEND, 0}, bytes.Repeat([]byte{'x'}, 200), ok2),
			[]string{"one", "two"}, [3]int64{1, 0, 0}},
		{"cut at end", cat(ok1, []byte{FEND, 0x00, 'a'}), []string{"one"}, [3]int64{0, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, d := decodeAll(t, tt.stream, 32)
			var s []string
			for _, f := range got {
				s = append(s, string(f.Data))
			}
			if !reflect.DeepEqual(s, tt.want) {
				t.Fatalf("frames %q, want %q", s, tt.want)
			}
			st := d.Stats()
			if st.Oversize.Load() != tt.stats[0] || st.Invalid.Load() != tt.stats[1] ||
				(tt.stats[2] != 0 && st.Skipped.Load() != tt.stats[2]) {
				t.Fatalf("stats oversize %d invalid %d skipped %d, want %v",
					st.Oversize.Load(), st.Invalid.Load(), st.Skipped.Load(), tt.stats)
			}
		})
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestOversizeStreamed feeds a huge frame one byte at a time: the decoder's
// memory stays bounded and the next frame arrives.
func TestOversizeStreamed(t *testing.T) {
	stream := cat([]byte{FEND, 0}, bytes.Repeat([]byte{0x55}, 1<<20), AppendFrame(nil, 0, Data, []byte("next")))
	d := NewDecoder(iotest.OneByteReader(bytes.NewReader(stream)), 256)
	f, err := d.Next()
	if err != nil || string(f.Data) != "next" || d.Stats().Oversize.Load() != 1 {
		t.Fatalf("got %+v, %v, stats oversize %d", f, err, d.Stats().Oversize.Load())
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("device gone") }

func TestReadError(t *testing.T) {
	d := NewDecoder(errReader{}, 16)
	if _, err := d.Next(); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("read error became %v", err)
	}
}

func TestParam(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want uint8
	}{
		{0, 0}, {300 * time.Millisecond, 30}, {104 * time.Millisecond, 10},
		{105 * time.Millisecond, 11}, {10 * time.Second, 255}, {-time.Second, 0},
	}
	for _, tt := range tests {
		if got := Param(tt.d); got != tt.want {
			t.Errorf("Param(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
	if ParamDuration(30) != 300*time.Millisecond {
		t.Fatal("ParamDuration(30)")
	}
	if Return.String() != "Return" || TXDelay.String() != "TXDelay" || Command(9).String() != "Command(0x09)" {
		t.Fatal("command names")
	}
}
