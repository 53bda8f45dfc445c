package proc

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/traffic"
)

// TestSchedulerOverSupervisedDriver: the scheduler and the receive loop
// run over a supervised loopback driver whose child is killed while
// transactions are queued; the scheduler waits for the restart instead of
// failing, and every transaction arrives.
func TestSchedulerOverSupervisedDriver(t *testing.T) {
	o := testOptions("loop")
	o.DutyWindow, o.DutyAllowed = time.Hour, time.Hour // no duty limit here
	s := start(t, o)
	sch, err := traffic.New(traffic.Options{Network: link.Regtest, Drivers: []traffic.DriverConfig{{Driver: s}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := link.NewReceiver(link.Regtest, link.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var mu sync.Mutex
	got := map[string]bool{}
	all := make(chan struct{})
	const n = 6
	go sch.Run(ctx)
	go traffic.Listen(ctx, traffic.Listener{Drivers: []radio.Driver{s}, Receiver: r}, func(in traffic.Incoming) {
		mu.Lock()
		defer mu.Unlock()
		got[string(in.Message.(link.Tx).Data)] = true
		if len(got) == n {
			close(all)
		}
	})
	for i := range n {
		if i == n/2 {
			drain(s)
			syscall.Kill(s.PID(), syscall.SIGKILL)
			waitFor(t, s, radio.Failed)
		}
		// 200 bytes: one whole frame of 216 ms, six of them within the
		// child's 2 s allowance.
		data := fmt.Appendf(nil, "tx %d %0200d", i, 0)[:200]
		if err := sch.Send(link.Tx{Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-all:
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		st, _ := sch.Stats(s.Name())
		t.Fatalf("%d of %d transactions arrived; scheduler %+v", len(got), n, st)
	}
}
