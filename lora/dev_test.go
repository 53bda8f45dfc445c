package lora_test

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
)

func TestSendReceive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testContext(t)
		air := medium.New(medium.Options{Seed: 1})
		a, closeA := attach(t, air, "a", euOpts())
		defer closeA()
		b, closeB := attach(t, air, "b", euOpts())
		defer closeB()
		air.ConnectBoth("a", "b", medium.Link{RSSI: -97, SNR: 7.5})
		start := time.Now()
		for i, msg := range []string{"hello", "second frame lands after the first in the FIFO", "third"} {
			if err := a.dev.Send(ctx, []byte(msg)); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
			f, err := b.dev.Receive(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(f.Payload, []byte(msg)) || f.RSSI != -97 || f.SNR != 7.5 || !f.HasSignal || f.Driver != "b" {
				t.Fatalf("frame %d: %+v", i, f)
			}
		}
		txs := a.chip.Transmissions()
		if len(txs) != 3 || txs[0].Airtime != a.dev.Airtime(5) || txs[0].PowerDBm != 14 {
			t.Fatalf("transmissions %+v", txs)
		}
		if got := a.dev.Stats().Sent; got != 3 {
			t.Fatalf("sent %d", got)
		}
		if b := a.dev.Budget(); !b.Limited || b.Allowed != 36*time.Second || b.Used != a.dev.Airtime(5)+a.dev.Airtime(47)+a.dev.Airtime(5) {
			t.Fatalf("budget %+v after %v", b, time.Since(start))
		}
		if a.dev.State() != radio.Up {
			t.Fatalf("state %v", a.dev.State())
		}
	})
}
