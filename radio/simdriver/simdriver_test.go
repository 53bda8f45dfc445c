package simdriver

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
)

var ch = medium.Channel{Frequency: 869_525_000, Modulation: "test"}

// perByte is a simple airtime: 1 ms per byte plus 10 ms.
func perByte(n int) time.Duration { return time.Duration(n+10) * time.Millisecond }

func open(t *testing.T, m *medium.Medium, name string, dir radio.Direction, allowed time.Duration) *Driver {
	t.Helper()
	d, err := Open(Options{Name: name, Medium: m, Channel: ch, Direction: dir, MTU: 100, BitRate: 8000,
		Airtime: perByte, Window: time.Hour, Allowed: allowed, MaxFrame: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestSendReceive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := medium.New(medium.Options{Seed: 1})
		tx := open(t, m, "gw", radio.TransmitOnly, 0)
		rx := open(t, m, "rx", radio.ReceiveOnly, 0)
		m.Connect("gw", "rx", medium.Link{RSSI: -100, SNR: 5})
		start := time.Now()
		if err := tx.Send(context.Background(), []byte("hello")); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != perByte(5) {
			t.Fatalf("Send returned after %v, want the airtime %v", took, perByte(5))
		}
		f, err := rx.Receive(context.Background())
		if err != nil || string(f.Payload) != "hello" || f.Driver != "rx" || !f.HasSignal || f.RSSI != -100 {
			t.Fatalf("received %+v, %v", f, err)
		}
		if err := rx.Send(context.Background(), []byte{1}); !errors.Is(err, radio.ErrReceiveOnly) {
			t.Fatalf("send on receive-only: %v", err)
		}
		if err := tx.Send(context.Background(), make([]byte, 101)); !errors.Is(err, radio.ErrTooLarge) {
			t.Fatalf("send above MTU: %v", err)
		}
	})
}

func TestBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := medium.New(medium.Options{})
		d := open(t, m, "gw", radio.TwoWay, 200*time.Millisecond)
		ctx := context.Background()
		for range 2 {
			if err := d.Send(ctx, make([]byte, 90)); err != nil { // 100 ms each
				t.Fatal(err)
			}
		}
		if b := d.Budget(); !b.Limited || b.Used != 200*time.Millisecond || b.Remaining() != 0 {
			t.Fatalf("budget %+v", b)
		}
		var be *radio.BudgetError
		err := d.Send(ctx, []byte{1})
		if !errors.As(err, &be) || be.Wait <= 0 || !errors.Is(err, radio.ErrBudget) {
			t.Fatalf("send over budget: %v", err)
		}
		time.Sleep(be.Wait)
		if err := d.Send(ctx, []byte{1}); err != nil {
			t.Fatalf("after waiting %v: %v", be.Wait, err)
		}
		if err := d.Send(ctx, make([]byte, 95)); !errors.As(err, &be) || be.Wait != 0 {
			t.Fatalf("frame above the dwell time: %v", err)
		}
		if s := d.Stats(); s.Sent != 3 {
			t.Fatalf("stats %+v", s)
		}
	})
}

func TestCorruptedFramesDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := medium.New(medium.Options{Seed: 3})
		tx := open(t, m, "gw", radio.TwoWay, 0)
		rx := open(t, m, "rx", radio.TwoWay, 0)
		m.Connect("gw", "rx", medium.Link{BitErrorRate: 0.5})
		for range 3 {
			if err := tx.Send(context.Background(), make([]byte, 50)); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if s := rx.Stats(); s.BadCRC != 3 || s.Received != 0 {
			t.Fatalf("stats %+v", s)
		}
		rx.Close()
		if _, err := rx.Receive(context.Background()); !errors.Is(err, radio.ErrClosed) {
			t.Fatalf("receive after close: %v", err)
		}
		if rx.State() != radio.Disabled {
			t.Fatalf("state %v after close", rx.State())
		}
	})
}
