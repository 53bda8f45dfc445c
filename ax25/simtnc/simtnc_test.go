package simtnc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/kiss"
	"github.com/altnet/altnet/ax25/simtnc"
	"github.com/altnet/altnet/ax25/tnc"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
)

var (
	vhf  = medium.Channel{Frequency: 144_800_000, Modulation: simtnc.AFSK1200}
	uhf9 = medium.Channel{Frequency: 430_600_000, Modulation: simtnc.FSK9600}
)

// station is a simulated TNC with a driver on top.
type station struct {
	tnc *simtnc.TNC
	drv *tnc.Driver
}

func newStation(t *testing.T, m *medium.Medium, name, call string, tc simtnc.Config, dc tnc.Config) station {
	t.Helper()
	tc.Name = name
	if tc.Channel == (medium.Channel{}) {
		tc.Channel = vhf
	}
	s, err := simtnc.New(m, tc)
	if err != nil {
		t.Fatal(err)
	}
	dc.Name, dc.Callsign = name, call
	if dc.BitRate == 0 && tc.Channel.Modulation == simtnc.FSK9600 {
		dc.BitRate = ax25.Rate9600
	}
	d, err := tnc.Open(s, dc)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WaitUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Close()
		s.Close()
	})
	return station{s, d}
}

// frameAirtime is the exact airtime of the UI frame a driver builds for
// payload, computed independently from the frame's bytes.
func frameAirtime(t *testing.T, tm ax25.Timing, src string, payload []byte) time.Duration {
	t.Helper()
	f := ax25.NewUI(ax25.MustParseAddress(src), ax25.MustParseAddress(tnc.DefaultDest), nil, ax25.PIDNoLayer3, payload)
	raw, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return tm.FrameAirtime(raw)
}

func TestTiming(t *testing.T) {
	tests := []struct {
		name string
		ch   medium.Channel
		rate int
	}{
		{"1200 AFSK", vhf, ax25.Rate1200},
		{"9600 FSK", uhf9, ax25.Rate9600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := medium.New(medium.Options{Seed: 1})
				// Persistence 255: the sender transmits in the first slot.
				tc := simtnc.Config{Channel: tt.ch, Persistence: 255}
				a := newStation(t, m, "a", "N0CALL-1", tc, tnc.Config{})
				b := newStation(t, m, "b", "N0CALL-2", tc, tnc.Config{})
				m.ConnectBoth("a", "b", medium.Link{})
				payload := bytes.Repeat([]byte{0x7E, 0xFF, 0x00, 'x'}, 50)
				start := time.Now()
				if err := a.drv.Send(t.Context(), payload); err != nil {
					t.Fatal(err)
				}
				got, err := b.drv.Receive(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				tm := ax25.Timing{BitRate: tt.rate, TXDelay: 300 * time.Millisecond, TXTail: 100 * time.Millisecond}
				want := 100*time.Millisecond + frameAirtime(t, tm, "N0CALL-1", payload)
				if !bytes.Equal(got.Payload, payload) || got.Time.Sub(start) != want {
					t.Fatalf("received after %v, want slot time + airtime = %v", got.Time.Sub(start), want)
				}
				if worst := a.drv.Airtime(len(payload)); worst < want-100*time.Millisecond {
					t.Fatalf("driver's worst-case airtime %v below the exact %v", worst, want)
				}
				t.Logf("%d-octet payload: %v on the air", len(payload), want-100*time.Millisecond)
			})
		})
	}
}

func TestBundledFramesShareTXDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := medium.New(medium.Options{})
		a, err := simtnc.New(m, simtnc.Config{Name: "a", Channel: vhf, Persistence: 255})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b := newStation(t, m, "b", "N0CALL-2", simtnc.Config{}, tnc.Config{})
		m.ConnectBoth("a", "b", medium.Link{})
		host, err := a.Dial(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		// Four frames in one write, as in direwolf-kiss.md's measurement.
		var stream []byte
		var raws [][]byte
		for i := range 4 {
			f := ax25.NewUI(ax25.MustParseAddress("N0CALL-1"), ax25.MustParseAddress("ALTNET"), nil, ax25.PIDNoLayer3, []byte{byte(i)})
			raw, _ := f.MarshalBinary()
			raws = append(raws, raw)
			stream = kiss.AppendFrame(stream, 0, kiss.Data, raw)
		}
		start := time.Now()
		if _, err := host.Write(stream); err != nil {
			t.Fatal(err)
		}
		tm := a.Timing()
		bits := ax25.FlagBits // opening flag, then each frame and the flag after it
		for _, r := range raws {
			bits += ax25.StuffedBits(ax25.AppendFCS(append([]byte(nil), r...))) + ax25.FlagBits
		}
		want := 100*time.Millisecond + tm.TXDelay + tm.Bits(bits) + tm.TXTail
		var last time.Time
		for range 4 {
			f, err := b.drv.Receive(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			last = f.Time
		}
		if last.Sub(start) != want {
			t.Fatalf("last frame after %v, want one transmission of %v", last.Sub(start), want)
		}
		host.Close()
	})
}

// TestCarrierSense sends 20 frames from each of two stations that hear
// each other to a third: p-persistent CSMA keeps collisions rare, and with
// full duplex (no carrier sense) almost everything collides.
func TestCarrierSense(t *testing.T) {
	for _, full := range []bool{false, true} {
		t.Run(fmt.Sprintf("full duplex %v", full), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := medium.New(medium.Options{Seed: 7})
				a := newStation(t, m, "a", "N0CALL-1", simtnc.Config{Seed: 1, FullDuplex: full}, tnc.Config{})
				c := newStation(t, m, "c", "N0CALL-3", simtnc.Config{Seed: 3, FullDuplex: full}, tnc.Config{})
				b := newStation(t, m, "b", "N0CALL-2", simtnc.Config{}, tnc.Config{})
				for _, l := range [][2]string{{"a", "b"}, {"c", "b"}, {"a", "c"}} {
					m.ConnectBoth(l[0], l[1], medium.Link{})
				}
				done := make(chan error, 2)
				for _, s := range []station{a, c} {
					go func() {
						for i := range 20 {
							if err := s.drv.Send(context.Background(), []byte(fmt.Sprint(i))); err != nil {
								done <- err
								return
							}
						}
						done <- nil
					}()
				}
				for range 2 {
					if err := <-done; err != nil {
						t.Fatal(err)
					}
				}
				time.Sleep(time.Minute)
				got, coll := b.tnc.Stats().Received, m.Stats("b").Collided
				t.Logf("received %d of 40, %d collided", got, coll)
				if !full && got < 36 {
					t.Fatalf("with carrier sense only %d of 40 frames arrived", got)
				}
				if full && got > 4 {
					t.Fatalf("without carrier sense %d of 40 frames arrived", got)
				}
			})
		})
	}
}

func TestCorruptedFramesDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := medium.New(medium.Options{Seed: 3})
		a := newStation(t, m, "a", "N0CALL-1", simtnc.Config{}, tnc.Config{})
		b := newStation(t, m, "b", "N0CALL-2", simtnc.Config{}, tnc.Config{})
		m.Connect("a", "b", medium.Link{BitErrorRate: 1e-3})
		payload := bytes.Repeat([]byte("block header "), 16)
		for range 50 {
			if err := a.drv.Send(t.Context(), payload); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(10 * time.Second)
		st := b.tnc.Stats()
		ms := m.Stats("b")
		if st.FCSErrors != int64(ms.Corrupted) || st.FCSErrors == 0 || st.Received != int64(ms.Received) {
			t.Fatalf("TNC %+v, medium %+v", st, ms)
		}
		for range st.Received {
			f, err := b.drv.Receive(t.Context())
			if err != nil || !bytes.Equal(f.Payload, payload) {
				t.Fatalf("received %q, %v", f.Payload, err)
			}
		}
		t.Logf("%d intact, %d failed the FCS", st.Received, st.FCSErrors)
	})
}

func TestReconnectAfterUnplug(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := medium.New(medium.Options{})
		a := newStation(t, m, "a", "N0CALL-1", simtnc.Config{},
			tnc.Config{MinBackoff: 2 * time.Second, MaxBackoff: 8 * time.Second})
		ev := a.drv.Events()
		drain(ev)
		a.tnc.Unplug()
		start := time.Now()
		want := []radio.State{radio.Failed, radio.Starting, radio.Up}
		for _, w := range want {
			e := <-ev
			if e.State != w {
				t.Fatalf("state %v (%v), want %v", e.State, e.Err, w)
			}
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Fatalf("reconnected after %v, want the minimum backoff 2s", d)
		}
		if err := a.drv.Send(t.Context(), []byte("back")); err != nil {
			t.Fatal(err)
		}
		if s := a.drv.Stats(); s.Drops != 1 || s.Sent != 1 {
			t.Fatalf("stats %+v", s)
		}
	})
}

func drain(ch <-chan radio.StateEvent) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

func TestParamsSentAtConnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := medium.New(medium.Options{})
		p := tnc.Params{TXDelay: 450 * time.Millisecond, Persistence: 127, SlotTime: 50 * time.Millisecond, TXTail: 30 * time.Millisecond}
		a := newStation(t, m, "a", "N0CALL-1", simtnc.Config{}, tnc.Config{Params: &p})
		synctest.Wait()
		tm := a.tnc.Timing()
		if tm.TXDelay != p.TXDelay || tm.TXTail != p.TXTail {
			t.Fatalf("TNC timing %+v, want TXDELAY %v TXTAIL %v", tm, p.TXDelay, p.TXTail)
		}
		if got, want := a.drv.Airtime(0), frameAirtime(t, tm, "N0CALL-1", nil); got < want {
			t.Fatalf("driver airtime %v below the TNC's %v", got, want)
		}
	})
}

func TestNoCallsignNoTransmission(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := medium.New(medium.Options{})
		a := newStation(t, m, "a", "", simtnc.Config{}, tnc.Config{})
		err := a.drv.Send(t.Context(), []byte("hello"))
		if !errors.Is(err, tnc.ErrNoCallsign) || !errors.Is(err, radio.ErrReceiveOnly) {
			t.Fatalf("Send without callsign: %v", err)
		}
		time.Sleep(time.Minute)
		if s := m.Stats("a"); s.Sent != 0 {
			t.Fatalf("medium saw %d transmissions", s.Sent)
		}
		if c := a.drv.Capabilities(); c.Direction != radio.ReceiveOnly {
			t.Fatalf("capabilities %+v", c)
		}
	})
}

func TestAirtimeLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := medium.New(medium.Options{})
		a := newStation(t, m, "a", "N0CALL-1", simtnc.Config{},
			tnc.Config{AirtimeWindow: time.Minute, AirtimeAllowed: 10 * time.Second})
		payload := make([]byte, 200)
		per := a.drv.Airtime(len(payload))
		n := int(10 * time.Second / per)
		start := time.Now()
		for i := range n {
			if err := a.drv.Send(t.Context(), payload); err != nil {
				t.Fatalf("frame %d of %d: %v", i, n, err)
			}
		}
		err := a.drv.Send(t.Context(), payload)
		var be *radio.BudgetError
		if !errors.As(err, &be) || !errors.Is(err, radio.ErrBudget) {
			t.Fatalf("frame over the limit: %v", err)
		}
		// The first frame started at start; it must leave the window.
		wantWait := time.Until(start.Add(time.Minute)) + per - (10*time.Second - time.Duration(n)*per)
		if be.Wait <= 0 || be.Wait > wantWait {
			t.Fatalf("wait %v, want (0, %v]", be.Wait, wantWait)
		}
		time.Sleep(be.Wait)
		if err := a.drv.Send(t.Context(), payload); err != nil {
			t.Fatalf("after waiting %v: %v", be.Wait, err)
		}
		if b := a.drv.Budget(); !b.Limited || b.Used > b.Allowed {
			t.Fatalf("budget %+v", b)
		}
		big, _ := tnc.Open(a.tnc, tnc.Config{Callsign: "N0CALL", PACLEN: 900, AirtimeWindow: time.Minute, AirtimeAllowed: time.Second})
		defer big.Close()
		if err := big.WaitUp(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := big.Send(t.Context(), make([]byte, 900)); !errors.As(err, &be) || be.Wait != 0 {
			t.Fatalf("frame longer than the allowance: %v", err)
		}
	})
}

// TestConfigErrors: a bad configuration is an error, never a panic (a
// negative queue length would make the channel constructor panic).
func TestConfigErrors(t *testing.T) {
	m := medium.New(medium.Options{})
	for _, cfg := range []simtnc.Config{
		{Name: "a", Channel: medium.Channel{Frequency: 1, Modulation: "qpsk"}},
		{Name: "b", Channel: vhf, Queue: -1},
		{Name: "c", Channel: vhf, SlotTime: -time.Millisecond},
	} {
		if s, err := simtnc.New(m, cfg); err == nil {
			s.Close()
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
