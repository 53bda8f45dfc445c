package traffic

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
)

// countingHandler counts the error records logged, and calls onError for
// each.
type countingHandler struct {
	errors  atomic.Int64
	onError func(n int64)
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *countingHandler) WithGroup(string) slog.Handler            { return h }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.onError(h.errors.Add(1))
	}
	return nil
}

// TestCarouselRunTooLongForDriver: a carousel run the driver cannot carry
// (its body needs more fragments than the link allows at this MTU) is
// refused when it is added, instead of making the worker spin on it, and
// the runs that fit keep going out.
func TestCarouselRunTooLongForDriver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBench(t, gwDriver{"lora0", 869_525_000, radio.TransmitOnly, 0})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		h := &countingHandler{onError: func(n int64) {
			if n > 100 {
				cancel() // a spinning worker never lets the fake clock move
			}
		}}
		s := b.scheduler(Options{Logger: slog.New(h), Drivers: []DriverConfig{{Driver: b.gw["lora0"], Carousel: true}}})
		must(t, s.AddToCarousel(run(1, 1)))
		huge := run(2, 1000) // 40,000 bytes: over the link's 16 KB message limit
		if err := s.AddToCarousel(huge); err == nil {
			t.Error("a run no driver can send was added to the carousel")
		}
		go s.Run(ctx)
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := h.errors.Load(); n > 0 {
			t.Fatalf("%d errors logged in a minute", n)
		}
		if st, _ := s.Stats("lora0"); st.Messages[Carousel] == 0 {
			t.Fatalf("the run that fits was not sent: %+v", st)
		}
	})
}

// TestNewCarouselRunsGoFirst: a run added to a carousel in progress (a new
// block, or a reorganisation's new branch) goes out next, and the pass
// then goes on where it was, instead of the new run waiting for a whole
// pass of the older runs: with a paced carousel a pass can take an hour,
// and a one-way receiver cannot ask.
func TestNewCarouselRunsGoFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBench(t, gwDriver{"lora0", 869_525_000, radio.TransmitOnly, 0})
		s := b.scheduler(Options{Drivers: []DriverConfig{{Driver: b.gw["lora0"], Carousel: true, CarouselGap: time.Minute}}})
		for h := range 3 {
			must(t, s.AddToCarousel(run(uint32(16*h+1), 16)))
		}
		b.start(s)
		time.Sleep(200 * time.Second) // 1, 17, 33, then the second pass: 1
		added := time.Now()
		must(t, s.AddToCarousel(run(49, 1)))
		must(t, s.AddToCarousel(run(50, 1)))
		time.Sleep(270 * time.Second)
		synctest.Wait()
		b.mu.Lock()
		defer b.mu.Unlock()
		var got []uint32
		var at49 time.Time
		for _, in := range b.got["lora0"] {
			h := in.Message.(link.HeaderRun).Height
			got = append(got, h)
			if h == 49 {
				at49 = in.Frame.Time
			}
		}
		// The second pass's 1 comes within the receiver's duplicate
		// window, so it is not heard again; 17 and 33 are, later.
		if want := []uint32{1, 17, 33, 49, 50, 17, 33}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("carousel order %v, want %v", got, want)
		}
		if wait := at49.Sub(added); wait > time.Minute+5*time.Second {
			t.Fatalf("the new run went out %v after it was added, more than one gap", wait)
		}
	})
}
