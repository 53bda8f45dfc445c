package tnc_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/kiss"
	"github.com/altnet/altnet/ax25/tnc"
	"github.com/altnet/altnet/radio"
)

// waitState reads events until one with state s, failing after a generous
// real-time bound (these tests talk to real sockets and ptys).
func waitState(t *testing.T, ev <-chan radio.StateEvent, s radio.State) radio.StateEvent {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case e := <-ev:
			if e.State == s {
				return e
			}
		case <-timeout:
			t.Fatalf("no %v event", s)
		}
	}
}

// fakeKISS is a KISS server on 127.0.0.1 that hands each accepted
// connection to the test.
type fakeKISS struct {
	ln    net.Listener
	conns chan net.Conn
}

func newFakeKISS(t *testing.T) *fakeKISS {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeKISS{ln: ln, conns: make(chan net.Conn, 4)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(f.conns)
				return
			}
			f.conns <- c
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return f
}

func (f *fakeKISS) accept(t *testing.T) (net.Conn, *kiss.Decoder) {
	t.Helper()
	select {
	case c := <-f.conns:
		t.Cleanup(func() { c.Close() })
		return c, kiss.NewDecoder(c, ax25.MaxFrameLen)
	case <-time.After(20 * time.Second):
		t.Fatal("driver did not connect")
	}
	return nil, nil
}

// expectParams reads the five parameter frames a driver sends on connect.
func expectParams(t *testing.T, dec *kiss.Decoder, p tnc.Params) {
	t.Helper()
	want := []kiss.Frame{
		{Command: kiss.TXDelay, Data: []byte{kiss.Param(p.TXDelay)}},
		{Command: kiss.Persistence, Data: []byte{p.Persistence}},
		{Command: kiss.SlotTime, Data: []byte{kiss.Param(p.SlotTime)}},
		{Command: kiss.TXTail, Data: []byte{kiss.Param(p.TXTail)}},
		{Command: kiss.FullDuplex, Data: []byte{0}},
	}
	for _, w := range want {
		f, err := dec.Next()
		if err != nil || f.Command != w.Command || !bytes.Equal(f.Data, w.Data) {
			t.Fatalf("parameter frame %+v, %v; want %+v", f, err, w)
		}
	}
}

func uiFrom(t *testing.T, src, dst string, pid byte, info string) []byte {
	t.Helper()
	f := ax25.NewUI(ax25.MustParseAddress(src), ax25.MustParseAddress(dst), nil, pid, []byte(info))
	raw, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return kiss.AppendFrame(nil, 0, kiss.Data, raw)
}

func TestTCPDriver(t *testing.T) {
	srv := newFakeKISS(t)
	p := tnc.Params{TXDelay: 250 * time.Millisecond, Persistence: 90, SlotTime: 50 * time.Millisecond, TXTail: 20 * time.Millisecond}
	var (
		mu    sync.Mutex
		heard []string
	)
	d, err := tnc.Open(tnc.TCP{Addr: srv.ln.Addr().String()}, tnc.Config{
		Callsign: "n0call-7", Params: &p, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Monitor: func(h tnc.Heard) {
			mu.Lock()
			defer mu.Unlock()
			heard = append(heard, h.Frame.String())
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ev := d.Events()
	conn, dec := srv.accept(t)
	expectParams(t, dec, p)
	waitState(t, ev, radio.Up)

	// Send: a UI frame from our callsign to ALTNET.
	if err := d.Send(t.Context(), []byte("hello")); err != nil {
		t.Fatal(err)
	}
	f, err := dec.Next()
	if err != nil || f.Command != kiss.Data {
		t.Fatalf("frame %+v, %v", f, err)
	}
	if fr, err := ax25.Decode(f.Data); err != nil || fr.String() != "N0CALL-7>ALTNET:hello" || !fr.IsUI() || fr.PID != 0xF0 {
		t.Fatalf("sent %v, %v", fr, err)
	}

	// Receive: only ours, the rest counted.
	var stream []byte
	stream = append(stream, uiFrom(t, "K1ABC", "ALTNET", 0xF0, "one")...)
	stream = append(stream, uiFrom(t, "K1ABC", "APRS", 0xF0, "other dest")...)
	stream = append(stream, uiFrom(t, "K1ABC", "ALTNET", 0xCC, "other PID")...)
	stream = append(stream, "\r\ncmd:"...)
	stream = append(stream, uiFrom(t, "K1ABC", "N0CALL-7", 0xF0, "two")...)
	stream = append(stream, uiFrom(t, "N0CALL-7", "ALTNET", 0xF0, "own echo")...)
	sframe := uiFrom(t, "K1ABC", "ALTNET", 0xF0, "")
	sframe[len(sframe)-3] = 0x01 // control RR: not UI; the PID octet becomes info
	stream = append(stream, sframe...)
	stream = append(stream, kiss.AppendFrame(nil, 0, kiss.Data, []byte("not ax25"))...)
	stream = append(stream, kiss.AppendFrame(nil, 1, kiss.Data, []byte("port 1"))...)
	// Write in two pieces cut inside a frame.
	if _, err := conn.Write(stream[:20]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if _, err := conn.Write(stream[20:]); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"one", "two"} {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		got, err := d.Receive(ctx)
		cancel()
		if err != nil || string(got.Payload) != want || got.Driver != "ax25" {
			t.Fatalf("received %q, %v; want %q", got.Payload, err, want)
		}
	}
	if err := d.Send(t.Context(), []byte("sync")); err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Next(); err != nil {
		t.Fatal(err)
	}
	// The receive goroutine counts the frames after "two" in its own time:
	// wait for the counters rather than sleep a guess.
	want := tnc.Stats{Sent: 2, Received: 2, NotUI: 1, OtherPID: 1, OtherDest: 1, Own: 1, Malformed: 1, KISSInvalid: 1, OtherKISS: 1}
	deadline := time.Now().Add(20 * time.Second)
	s := d.Stats()
	for s != want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		s = d.Stats()
	}
	if s != want {
		t.Fatalf("stats\n%+v\nwant\n%+v", s, want)
	}
	mu.Lock()
	if len(heard) != 7 || heard[0] != "K1ABC>ALTNET:one" {
		t.Fatalf("monitor heard %q", heard)
	}
	mu.Unlock()

	// Drop the connection: the driver fails, reconnects, sends the
	// parameters again.
	conn.Close()
	e := waitState(t, ev, radio.Failed)
	if !errors.Is(e.Err, io.ErrUnexpectedEOF) {
		t.Fatalf("failure %v", e.Err)
	}
	_, dec = srv.accept(t)
	expectParams(t, dec, p)
	waitState(t, ev, radio.Up)
	if err := d.Send(t.Context(), []byte("again")); err != nil {
		t.Fatal(err)
	}
	if f, err := dec.Next(); err != nil || !bytes.HasSuffix(f.Data, []byte("again")) {
		t.Fatalf("after reconnect %+v, %v", f, err)
	}
	if s := d.Stats(); s.Drops != 1 {
		t.Fatalf("drops %d", s.Drops)
	}
	d.Close()
	if d.State() != radio.Disabled {
		t.Fatalf("state after Close %v", d.State())
	}
	if _, err := d.Receive(t.Context()); !errors.Is(err, radio.ErrClosed) {
		t.Fatalf("Receive after Close: %v", err)
	}
}

func TestTCPNobodyListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d, err := tnc.Open(tnc.TCP{Addr: addr}, tnc.Config{MinBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	e := waitState(t, d.Events(), radio.Failed)
	if e.Err == nil || !strings.Contains(e.Err.Error(), "refused") {
		t.Fatalf("failure %v", e.Err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := d.WaitUp(ctx); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("WaitUp: %v", err)
	}
	if err := d.Send(t.Context(), nil); !errors.Is(err, tnc.ErrNoCallsign) {
		t.Fatalf("Send: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  tnc.Config
		want string
	}{
		{"bad callsign", tnc.Config{Callsign: "TOOLONGCALL"}, "operator callsign"},
		{"bad destination", tnc.Config{Dest: "A-99"}, "destination"},
		{"bad digipeater", tnc.Config{Path: []string{"WIDE1-1*"}}, "digipeater"},
		{"nine digipeaters", tnc.Config{Path: strings.Split("A,B,C,D,E,F,G,H,I", ",")}, "digipeaters"},
		{"bit rate", tnc.Config{BitRate: 2400}, "bit rate"},
		{"PACLEN", tnc.Config{PACLEN: 1100}, "PACLEN"},
		{"port", tnc.Config{Port: 16}, "KISS port"},
		{"airtime", tnc.Config{AirtimeAllowed: time.Hour, AirtimeWindow: time.Minute}, "airtime"},
		{"receive queue", tnc.Config{RxQueue: -1}, "receive queue"},
		{"backoff", tnc.Config{MinBackoff: -time.Second}, "backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tnc.Open(tnc.TCP{}, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open: %v; want an error about %s", err, tt.want)
			}
		})
	}
}
