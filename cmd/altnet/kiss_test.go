package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/kiss"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// kissServer accepts one KISS client on 127.0.0.1.
func kissServer(t *testing.T) (addr string, conns <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			t.Cleanup(func() { c.Close() })
			ch <- c
		}
	}()
	return ln.Addr().String(), ch
}

func TestKissSend(t *testing.T) {
	addr, conns := kissServer(t)
	var stdout, stderr syncBuffer
	code := run(t.Context(), []string{"kiss", "send", "--tcp", addr, "--src", "n0call-10", "--dst", "APRS",
		"--via", "WIDE1-1,WIDE2-2", "hello", "world"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got := stdout.String(); got != "N0CALL-10>APRS,WIDE1-1,WIDE2-2:hello world\n" {
		t.Fatalf("stdout %q", got)
	}
	c := <-conns
	f, err := kiss.NewDecoder(c, 1024).Next()
	if err != nil || f.Command != kiss.Data || f.Port != 0 {
		t.Fatalf("TNC got %+v, %v", f, err)
	}
	want := []byte{
		0x82, 0xA0, 0xA4, 0xA6, 0x40, 0x40, 0xE0, // APRS, command
		0x9C, 0x60, 0x86, 0x82, 0x98, 0x98, 0x74, // N0CALL-10
		0xAE, 0x92, 0x88, 0x8A, 0x62, 0x40, 0x62, // WIDE1-1
		0xAE, 0x92, 0x88, 0x8A, 0x64, 0x40, 0x65, // WIDE2-2, last
		0x03, 0xF0, // UI, no layer 3
	}
	want = append(want, "hello world"...)
	if !bytes.Equal(f.Data, want) {
		t.Fatalf("frame\n% X\nwant\n% X", f.Data, want)
	}
}

func TestKissSendHex(t *testing.T) {
	addr, conns := kissServer(t)
	var stdout, stderr syncBuffer
	code := run(t.Context(), []string{"kiss", "send", "--tcp", addr, "--src", "N0CALL", "--dst", "ALTNET",
		"--hex", "00c0db ff"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got := stdout.String(); got != "N0CALL>ALTNET:<0x00>\xc0\xdb<0xff>\n" {
		t.Fatalf("stdout %q", got)
	}
	f, err := kiss.NewDecoder(<-conns, 1024).Next()
	if err != nil || !bytes.HasSuffix(f.Data, []byte{0x03, 0xF0, 0x00, 0xC0, 0xDB, 0xFF}) {
		t.Fatalf("TNC got % X, %v", f.Data, err)
	}
}

func TestKissUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"kiss", "send", "--src", "N0CALL", "--dst", "APRS", "x"}, "--tcp HOST:PORT or --serial DEVICE"},
		{[]string{"kiss", "send", "--tcp", "a:1", "--serial", "/dev/x", "--src", "N0CALL", "--dst", "APRS", "x"}, "not both"},
		{[]string{"kiss", "send", "--tcp", "a:1", "--dst", "APRS", "x"}, "--src CALLSIGN is required"},
		{[]string{"kiss", "send", "--tcp", "a:1", "--src", "N0CALL", "x"}, "--dst CALLSIGN is required"},
		{[]string{"kiss", "send", "--tcp", "a:1", "--src", "N0CALL", "--dst", "APRS"}, "missing TEXT"},
		{[]string{"kiss", "send", "--tcp", "a:1", "--src", "N0CALL", "--dst", "APRS", "--hex", "zz"}, "--hex"},
		{[]string{"kiss", "send", "--tcp", "a:1", "--src", "N0CALL", "--dst", "APRS", "--hex", "00", "x"}, "not both"},
		{[]string{"kiss", "send", "--tcp", "a:1", "--src", "BADCALLSIGN", "--dst", "APRS", "x"}, "invalid callsign"},
		{[]string{"kiss", "send", "--tcp", "a:1", "--src", "N0CALL", "--dst", "APRS", "--via", "A,B,C,D,E,F,G,H,I", "x"}, "digipeaters"},
		{[]string{"kiss", "monitor"}, "--tcp HOST:PORT or --serial DEVICE"},
		{[]string{"kiss", "monitor", "--tcp", "a:1", "extra"}, "unexpected argument"},
		{[]string{"kiss", "monitor", "--tcp", "a:1", "--port", "16"}, "--port 16"},
	}
	for _, tt := range tests {
		var stdout, stderr syncBuffer
		code := run(t.Context(), tt.args, nil, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr.String(), tt.want)
		}
	}
}

func TestKissMonitor(t *testing.T) {
	addr, conns := kissServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"kiss", "monitor", "--tcp", addr}, nil, &stdout, &stderr)
	}()
	c := <-conns
	frames := []ax25.Frame{
		ax25.NewUI(ax25.MustParseAddress("K1ABC-9"), ax25.MustParseAddress("APRS"),
			[]ax25.Address{{Call: "WIDE1", SSID: 1, Flag: true}, {Call: "WIDE2", SSID: 1}}, 0xF0, []byte("!4903.50N/07201.75W-\r")),
		ax25.NewUI(ax25.MustParseAddress("N0CALL"), ax25.MustParseAddress("ALTNET"), nil, 0xF0, []byte{0x01, 'h', 0xFF}),
	}
	frames[0].Path[0].Flag = true
	var stream []byte
	for _, f := range frames {
		raw, _ := f.MarshalBinary()
		stream = kiss.AppendFrame(stream, 0, kiss.Data, raw)
	}
	stream = kiss.AppendFrame(stream, 0, kiss.Data, []byte("garbage"))
	if _, err := c.Write(stream); err != nil {
		t.Fatal(err)
	}
	want := "K1ABC-9>APRS,WIDE1-1*,WIDE2-1:!4903.50N/07201.75W-<0x0d>\nN0CALL>ALTNET:<0x01>h<0xff>\n"
	deadline := time.Now().Add(20 * time.Second)
	for stdout.String() != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d after interrupt: %s", code, stderr.String())
	}
	if got := stdout.String(); got != want {
		t.Fatalf("stdout\n%q\nwant\n%q", got, want)
	}
	if !strings.Contains(stderr.String(), "not an AX.25 frame") {
		t.Fatalf("stderr %q lacks the bad frame", stderr.String())
	}
}
