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
// one without a gap spreads the carousel's share of the budget (75 % of
// 360 s an hour) evenly: about 45 s of airtime in ten minutes.
func TestCarouselGap(t *testing.T) {
	for _, tt := range []struct {
		gap      time.Duration
		min, max int           // carousel messages in ten minutes
		air      time.Duration // their airtime, within 10 %, when not zero
	}{
		{gap: 30 * time.Second, min: 15, max: 21},
		{gap: 0, min: 20, max: 1 << 30, air: 45 * time.Second},
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
				st := up.Status().Drivers[0].Traffic
				n := st.Messages[traffic.Carousel]
				if n < tt.min || n > tt.max {
					t.Errorf("%d carousel messages in 10 min with a gap of %v, want %d..%d", n, tt.gap, tt.min, tt.max)
				}
				if tt.air > 0 && (st.Airtime < tt.air*9/10 || st.Airtime > tt.air*11/10) {
					t.Errorf("carousel airtime %v in 10 min with a gap of %v, want about %v", st.Airtime, tt.gap, tt.air)
				}
			})
		})
	}
}
