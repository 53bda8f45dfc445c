package gateway

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/radio/traffic"
	"github.com/altnet/altnet/txqueue"
)

// TestSenderGivesUpAfterAttempts: with nobody acknowledging, the sender
// sends a transaction tx.attempts times, tx.repeat apart, waits one more
// tx.repeat for a late acknowledgement, and then gives it up. A listener
// in range hears every attempt.
func TestSenderGivesUpAfterAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		c := w.chain("snd")
		w.start()
		q := w.queue()
		snd, ear := w.driver("snd", radio.TwoWay), w.driver("ear", radio.ReceiveOnly)
		w.air.Connect("snd", "ear", medium.Link{})
		rx, err := link.NewReceiver(link.Regtest, link.DefaultLimits) // repeats outlast its duplicate window
		if err != nil {
			t.Fatal(err)
		}
		heard := make(chan time.Time, 10)
		w.wg.Go(func() {
			traffic.Listen(w.ctx, traffic.Listener{Drivers: []radio.Driver{ear}, Receiver: rx, Clock: w.clk},
				func(in traffic.Incoming) { heard <- w.clk.Now() })
		})
		const attempts, repeat = 3, 6 * time.Minute
		g := w.run("snd", Options{Roles: Roles{Sender: true}, Chain: c, Queue: q, TxAttempts: attempts, TxRepeat: repeat,
			Drivers: []Driver{{Driver: snd}}})
		tx := w.testTx(1)
		began := w.clk.Now()
		w.enqueue(q, tx)
		w.waitFor(time.Hour, "the transaction was not given up", func() bool {
			e, _ := q.Get(tx.TxHash())
			return e.State.Final()
		})
		e, _ := q.Get(tx.TxHash())
		if e.State != txqueue.Expired || e.Attempts != attempts || g.Status().Counters.TxsSent != attempts {
			t.Fatalf("entry %+v, counters %+v", e, g.Status().Counters)
		}
		// The last attempt went out about (attempts-1)*repeat after the
		// first, and the entry expired a repeat later (the sender looks
		// at its queue every senderTick).
		if first, last := e.LastSent.Sub(began), e.Done.Sub(e.LastSent); first < (attempts-1)*repeat ||
			first > (attempts-1)*(repeat+senderTick)+senderTick || last < repeat || last > repeat+senderTick {
			t.Fatalf("last attempt %v after queueing, expired %v after it", first, last)
		}
		if len(heard) != attempts {
			t.Fatalf("a listener heard %d transmissions, want %d", len(heard), attempts)
		}
	})
}

// countingLog counts the records logged at warning level or above.
type countingLog struct {
	mu    sync.Mutex
	warns int
}

func (h *countingLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *countingLog) WithGroup(string) slog.Handler            { return h }
func (h *countingLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.mu.Lock()
		h.warns++
		h.mu.Unlock()
	}
	return nil
}

// TestSenderWithoutRadioForTxs: a transaction no radio may carry (the
// radios' assignment leaves transactions out) stays queued, and the sender
// says so once per tx.repeat, not at every look at its queue.
func TestSenderWithoutRadioForTxs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		c := w.chain("snd")
		w.start()
		q := w.queue()
		log := &countingLog{}
		g, err := New(Options{Roles: Roles{Sender: true}, Chain: c, Queue: q, Clock: w.clk, Logger: slog.New(log),
			TxRepeat: 10 * time.Minute, Assignment: traffic.Assignment{link.TypeTx: {}},
			Drivers: []Driver{{Driver: w.driver("snd", radio.TwoWay)}}})
		if err != nil {
			t.Fatal(err)
		}
		w.wg.Go(func() { g.Run(w.ctx) })
		tx := w.testTx(1)
		w.enqueue(q, tx)
		time.Sleep(time.Hour)
		if e, _ := q.Get(tx.TxHash()); e.State != txqueue.Queued || e.Attempts != 0 {
			t.Fatalf("entry %+v", e)
		}
		log.mu.Lock()
		defer log.mu.Unlock()
		if log.warns < 1 || log.warns > 7 {
			t.Fatalf("%d warnings in an hour, want one per 10 minutes", log.warns)
		}
	})
}
