package gateway

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/traffic"
)

// TestCarouselGap checks that Driver.CarouselGap reaches the scheduler: an
// uplink with a 30 s gap sends at most one carousel message per gap, where
// one without a gap keeps its radio busy until the budget's reserve.
func TestCarouselGap(t *testing.T) {
	for _, tt := range []struct {
		gap      time.Duration
		min, max int
	}{
		{gap: 30 * time.Second, min: 15, max: 21},
		{gap: 0, min: 100, max: 1 << 30},
	} {
		t.Run(tt.gap.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t)
				w.node.Mine(64)
				c := w.chain("up")
				w.start()
				w.wg.Go(func() { w.node.Follow(w.ctx, c.PeerView()) })
				w.waitFor(time.Minute, "the uplink's chain did not follow the node", func() bool { return sameTip(c, w.node) })
				up := w.run("up", Options{Roles: Roles{Uplink: true}, Chain: c,
					Drivers: []Driver{{Driver: w.driver("up", radio.TransmitOnly), Carousel: true, CarouselGap: tt.gap}}})
				time.Sleep(10 * time.Minute)
				n := up.Status().Drivers[0].Traffic.Messages[traffic.Carousel]
				if n < tt.min || n > tt.max {
					t.Errorf("%d carousel messages in 10 min with a gap of %v, want %d..%d", n, tt.gap, tt.min, tt.max)
				}
			})
		})
	}
}
