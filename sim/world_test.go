package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/ax25/tnc"
	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
	"periph.io/x/conn/v3/physic"
)

// newTestWorld returns a world on the bubble's clock that the test closes
// and checks for datasheet violations at the end.
func newTestWorld(t *testing.T, seed uint64) *World {
	w := NewWorld(clock.Real(), seed, nil)
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		for _, v := range w.Violations() {
			t.Errorf("datasheet violation: %s", v)
		}
	})
	return w
}

// receiveAll collects frames from d until ctx ends.
func receiveAll(ctx context.Context, d radio.Driver) chan [][]byte {
	out := make(chan [][]byte, 1)
	go func() {
		var got [][]byte
		for {
			f, err := d.Receive(ctx)
			if err != nil {
				out <- got
				return
			}
			got = append(got, f.Payload)
		}
	}()
	return out
}

// TestLoRaOneWayWithLoss sends frames from a two-way LoRa radio to a
// receive-only one over a one-way link that loses 20 % of the frames:
// about 80 % arrive, intact, nothing goes back, and the sender's airtime
// is booked against the EU868 g3 budget.
func TestLoRaOneWayWithLoss(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newTestWorld(t, 3)
		up, err := w.LoRa("up", LoRaOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rx, err := w.LoRa("rx", LoRaOptions{ReceiveOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		w.Link("up", "rx", medium.Link{Loss: 0.2, RSSI: -112, SNR: -4})
		ctx, cancel := context.WithCancel(context.Background())
		got := receiveAll(ctx, rx)
		const n = 200
		for i := range n {
			if err := up.Send(ctx, fmt.Appendf(nil, "frame %03d", i)); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
		}
		time.Sleep(time.Second)
		cancel()
		frames := <-got
		if len(frames) < n*70/100 || len(frames) > n*90/100 {
			t.Errorf("%d of %d frames arrived over a link losing 20%%", len(frames), n)
		}
		for _, f := range frames {
			if !bytes.HasPrefix(f, []byte("frame ")) || len(f) != 9 {
				t.Errorf("frame %q", f)
			}
		}
		if err := rx.Send(context.Background(), []byte("x")); !errors.Is(err, radio.ErrReceiveOnly) {
			t.Errorf("receive-only Send: %v", err)
		}
		st := w.Stats("rx")
		if st.Received != len(frames) || st.Lost != n-len(frames) || w.Stats("up").Received != 0 {
			t.Errorf("medium stats rx %+v up %+v", st, w.Stats("up"))
		}
		b := up.Budget()
		if want := time.Duration(n) * up.Airtime(9); !b.Limited || b.Allowed != 360*time.Second || b.Used != want {
			t.Errorf("budget %+v, want %v used of 360 s", b, want)
		}
	})
}

// TestAX25TwoWay exchanges frames both ways between two AX.25 radios at
// 1200 baud: the real KISS driver on each side, the simulated TNCs' channel
// access and timing in between.
func TestAX25TwoWay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newTestWorld(t, 1)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a, err := w.AX25(ctx, "a", AX25Options{Callsign: "N0CALL-1", AirtimeAllowed: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		b, err := w.AX25(ctx, "b", AX25Options{Callsign: "N0CALL-2"})
		if err != nil {
			t.Fatal(err)
		}
		w.LinkBoth("a", "b", medium.Link{})
		start := time.Now()
		if err := a.Send(ctx, []byte("ping")); err != nil {
			t.Fatal(err)
		}
		f, err := b.Receive(ctx)
		if err != nil || string(f.Payload) != "ping" {
			t.Fatalf("b heard %q, %v", f.Payload, err)
		}
		// 300 ms TXDELAY, 100 ms TXTAIL and about 200 bits at 1200 baud,
		// after p-persistent channel access (100 ms slots, p = 1/4).
		if d := time.Since(start); d < a.Airtime(4) || d > a.Airtime(4)+2*time.Second {
			t.Errorf("a frame took %v on the air", d)
		}
		if err := b.Send(ctx, []byte("pong")); err != nil {
			t.Fatal(err)
		}
		if f, err := a.Receive(ctx); err != nil || string(f.Payload) != "pong" {
			t.Fatalf("a heard %q, %v", f.Payload, err)
		}
		if bu := a.Budget(); !bu.Limited || bu.Used != a.Airtime(4) || bu.Allowed != time.Minute || bu.Window != time.Hour {
			t.Errorf("a's budget %+v", bu)
		}
		if w.Stats("a").Sent != 1 || w.Stats("b").Sent != 1 {
			t.Errorf("medium stats a %+v b %+v", w.Stats("a"), w.Stats("b"))
		}
	})
}

// TestAX25ReceiveOnlyWithoutCallsign checks that a radio without a
// callsign never transmits.
func TestAX25ReceiveOnlyWithoutCallsign(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newTestWorld(t, 1)
		d, err := w.AX25(context.Background(), "rx", AX25Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Capabilities().Direction != radio.ReceiveOnly {
			t.Errorf("direction %v", d.Capabilities().Direction)
		}
		if err := d.Send(context.Background(), []byte("x")); !errors.Is(err, tnc.ErrNoCallsign) {
			t.Errorf("Send without callsign: %v", err)
		}
		if w.Stats("rx").Sent != 0 {
			t.Error("a radio without callsign transmitted")
		}
	})
}

// TestWorldNamesAndClose checks the bookkeeping: names are unique across
// kinds, a failed radio leaves no half-built driver, Close is idempotent
// and closes everything, and nothing is added after it.
func TestWorldNamesAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := NewWorld(clock.Real(), 1, nil)
		ctx := context.Background()
		if _, err := w.LoRa("x", LoRaOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.AX25(ctx, "x", AX25Options{}); !errors.Is(err, medium.ErrNameTaken) {
			t.Errorf("second radio named x: %v", err)
		}
		// 433.775 MHz is outside EU868: the driver refuses it.
		if _, err := w.LoRa("bad", LoRaOptions{Frequency: 433_775 * physic.KiloHertz}); err == nil {
			t.Error("LoRa outside the plan accepted")
		}
		if _, err := w.LoRa("ham", LoRaOptions{Plan: lora.Amateur70cm, Frequency: 433_775 * physic.KiloHertz, Callsign: "N0CALL"}); err != nil {
			t.Errorf("70 cm with a callsign: %v", err)
		}
		names := []string{}
		for _, r := range w.Radios() {
			names = append(names, r.Name+"/"+string(r.Kind))
		}
		if fmt.Sprint(names) != "[x/lora bad/lora ham/lora]" {
			t.Errorf("radios %v", names)
		}
		if r, _ := w.Radio("bad"); r.LoRa != nil || r.Chip == nil {
			t.Errorf("failed radio %+v", r)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if r, _ := w.Radio("x"); r.LoRa.State() != radio.Disabled {
			t.Errorf("x after Close: %v", r.LoRa.State())
		}
		if _, err := w.LoRa("y", LoRaOptions{}); !errors.Is(err, ErrClosed) {
			t.Errorf("LoRa after Close: %v", err)
		}
	})
}
