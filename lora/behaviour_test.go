package lora_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/lora/sx127xsim"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/physic"
)

func TestBudgetErrorSaysHowLongToWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testContext(t)
		o := euOpts()
		o.Frequency = 868_900 * physic.KiloHertz // g2: 0.1 %, 3.6 s per hour
		s, closeS := attach(t, medium.New(medium.Options{}), "gw", o)
		defer closeS()
		frame := make([]byte, 255) // 1250.304 ms at SF9
		for range 2 {
			if err := s.dev.Send(ctx, frame); err != nil {
				t.Fatal(err)
			}
		}
		if b := s.dev.Budget(); b.Allowed != 3600*time.Millisecond || b.Remaining() != 3600*time.Millisecond-2*s.dev.Airtime(255) {
			t.Fatalf("budget %+v", b)
		}
		err := s.dev.Send(ctx, frame)
		var be *radio.BudgetError
		if !errors.As(err, &be) || !errors.Is(err, radio.ErrBudget) || be.Wait <= 0 || !strings.Contains(be.Reason, "g2") {
			t.Fatalf("third frame: %v", err)
		}
		time.Sleep(be.Wait - time.Millisecond)
		if err := s.dev.Send(ctx, frame); !errors.Is(err, radio.ErrBudget) {
			t.Fatalf("1 ms early: %v", err)
		}
		time.Sleep(time.Millisecond)
		if err := s.dev.Send(ctx, frame); err != nil {
			t.Fatalf("on time: %v", err)
		}
	})
}

func TestListenBeforeTalkAndCAD(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testContext(t)
		air := medium.New(medium.Options{})
		o := hamOpts()
		o.ListenBeforeTalk = true
		a, closeA := attach(t, air, "a", o)
		defer closeA()
		b, closeB := attach(t, air, "b", o)
		defer closeB()
		air.ConnectBoth("a", "b", medium.Link{})
		if busy, err := b.dev.CAD(ctx); busy || err != nil {
			t.Fatalf("quiet channel: busy %v, %v", busy, err)
		}
		sent := make(chan error)
		go func() { sent <- a.dev.Send(ctx, make([]byte, 200)) }()
		time.Sleep(100 * time.Millisecond) // a is on the air for 1 s
		if err := b.dev.Send(ctx, []byte("x")); !errors.Is(err, lora.ErrChannelBusy) {
			t.Fatalf("send over a busy channel: %v", err)
		}
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
		// b's CAD took it out of reception in the middle of a's frame, so
		// b is deaf to that frame, as the chip would be.
		if b.dev.Stats().ChannelBusy != 1 {
			t.Fatalf("stats %+v", b.dev.Stats())
		}
	})
}

func TestCRCErrorsAreCountedAndDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testContext(t)
		air := medium.New(medium.Options{Seed: 4})
		a, closeA := attach(t, air, "a", hamOpts())
		defer closeA()
		o := hamOpts()
		o.RxQueue = 256
		b, closeB := attach(t, air, "b", o)
		defer closeB()
		air.Connect("a", "b", medium.Link{BitErrorRate: 2e-3})
		const frames = 200
		for range frames {
			if err := a.dev.Send(ctx, make([]byte, 100)); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Second)
		st, chip := b.dev.Stats(), b.chip.Stats()
		if st.CRCErrors == 0 || uint64(chip.CRCErrors) != st.CRCErrors || st.Received != uint64(chip.Received) {
			t.Fatalf("driver %+v, chip %+v", st, chip)
		}
		for range st.Received {
			f, err := b.dev.Receive(ctx)
			if err != nil || len(f.Payload) != 100 || strings.Trim(string(f.Payload), "\x00") != "" {
				t.Fatalf("a corrupted frame got through: %q %v", f.Payload, err)
			}
		}
		t.Logf("%d frames: %d good, %d CRC errors, %d lost headers", frames, st.Received, st.CRCErrors, chip.HeaderErrors)
	})
}

func TestChipVersion(t *testing.T) {
	for _, tt := range []struct {
		version byte
		ok      bool
	}{{0x12, true}, {0x11, true}, {0x13, true}, {0xFF, false}, {0x22, false}} {
		synctest.Test(t, func(t *testing.T) {
			chip, _ := sx127xsim.New(medium.New(medium.Options{}), "c", &sx127xsim.Opts{Version: tt.version})
			o := euOpts()
			d, err := lora.New(chip, chip.Reset(), chip.DIO0(), &o)
			if tt.ok != (err == nil) {
				t.Fatalf("version %#x: %v", tt.version, err)
			}
			if err != nil {
				if !errors.Is(err, lora.ErrChip) || !strings.Contains(err.Error(), "wiring") {
					t.Fatalf("version %#x: unhelpful error %v", tt.version, err)
				}
				return
			}
			d.Close()
		})
	}
}

func TestRecoversFromBrownOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testContext(t)
		air := medium.New(medium.Options{})
		a, closeA := attach(t, air, "a", hamOpts())
		defer closeA()
		b, closeB := attach(t, air, "b", hamOpts())
		defer closeB()
		air.ConnectBoth("a", "b", medium.Link{})
		time.Sleep(1500 * time.Millisecond) // between two polls
		b.chip.PowerCycle()
		if _, lora := b.chip.Mode(); lora {
			t.Fatal("still in LoRa mode after a power cycle")
		}
		time.Sleep(time.Second) // one poll: b notices and configures again
		if err := a.dev.Send(ctx, []byte("after")); err != nil {
			t.Fatal(err)
		}
		if f, err := b.dev.Receive(ctx); err != nil || string(f.Payload) != "after" {
			t.Fatalf("%q %v", f.Payload, err)
		}
		if b.dev.Stats().Reinits != 1 || b.dev.State() != radio.Up {
			t.Fatalf("stats %+v, state %v", b.dev.Stats(), b.dev.State())
		}
	})
}

// TestLostEdgeFallsBackToTheFlags runs a driver whose DIO0 line is not
// connected: TxDone is found by reading RegIrqFlags at 1.5x the time on
// air, and received frames by the periodic poll.
func TestLostEdgeFallsBackToTheFlags(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testContext(t)
		air := medium.New(medium.Options{})
		peer, closePeer := attach(t, air, "peer", hamOpts())
		defer closePeer()
		chip, _ := sx127xsim.New(air, "deaf", nil)
		unwired := &gpiotest.Pin{N: "DIO0", EdgesChan: make(chan gpio.Level, 1)}
		o := hamOpts()
		o.Clock = air.Clock()
		d, err := lora.New(chip, chip.Reset(), unwired, &o)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		air.ConnectBoth("peer", "deaf", medium.Link{})
		start := time.Now()
		if err := d.Send(ctx, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if took, want := time.Since(start), d.Airtime(2)*3/2; took != want {
			t.Fatalf("send took %v, want the 1.5x deadline %v", took, want)
		}
		if err := peer.dev.Send(ctx, []byte("back")); err != nil {
			t.Fatal(err)
		}
		if f, err := d.Receive(ctx); err != nil || string(f.Payload) != "back" {
			t.Fatalf("%q %v", f.Payload, err)
		}
		noViolations(t, chip)
	})
}

func TestCloseIsIdempotentAndFinal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testContext(t)
		s, closeS := attach(t, medium.New(medium.Options{}), "gw", hamOpts())
		received := make(chan error)
		go func() {
			_, err := s.dev.Receive(ctx)
			received <- err
		}()
		closeS()
		if err := s.dev.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-received; !errors.Is(err, radio.ErrClosed) {
			t.Fatalf("Receive after Close: %v", err)
		}
		if err := s.dev.Send(ctx, []byte("x")); !errors.Is(err, radio.ErrClosed) {
			t.Fatalf("Send after Close: %v", err)
		}
		if m, _ := s.chip.Mode(); m != "SLEEP" || s.dev.State() != radio.Disabled {
			t.Fatalf("chip %s, state %v", m, s.dev.State())
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.dev.Receive(cctx); err == nil {
			t.Fatal("Receive with a cancelled context")
		}
	})
}

func TestSlowReaderLosesOldestFrames(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testContext(t)
		air := medium.New(medium.Options{})
		a, closeA := attach(t, air, "a", hamOpts())
		defer closeA()
		o := hamOpts()
		o.RxQueue = 2
		b, closeB := attach(t, air, "b", o)
		defer closeB()
		air.Connect("a", "b", medium.Link{})
		for i := range 5 {
			if err := a.dev.Send(ctx, []byte{byte(i)}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Second)
		for _, want := range []byte{3, 4} {
			if f, _ := b.dev.Receive(ctx); f.Payload[0] != want {
				t.Fatalf("got frame %d, want %d", f.Payload[0], want)
			}
		}
		if st := b.dev.Stats(); st.Overflows != 3 || st.Received != 5 {
			t.Fatalf("stats %+v", st)
		}
	})
}
