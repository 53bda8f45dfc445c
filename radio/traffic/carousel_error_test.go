package traffic

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
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
