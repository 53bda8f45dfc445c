package traffic

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
)

// TestCarouselDepthPerDriver: each driver repeats only its own depth of
// the most recent headers, and the carousel holds the deepest driver's:
// a slow, rationed radio repeats a day while a fast one repeats history.
func TestCarouselDepthPerDriver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBench(t, gwDriver{"deep", 869_525_000, radio.TransmitOnly, 0}, gwDriver{"shallow", 868_100_000, radio.TransmitOnly, 0})
		s := b.scheduler(Options{Drivers: []DriverConfig{
			{Driver: b.gw["deep"], Carousel: true, CarouselGap: 10 * time.Second, CarouselDepth: 160},
			{Driver: b.gw["shallow"], Carousel: true, CarouselGap: 10 * time.Second, CarouselDepth: 32},
		}})
		for h := range 10 { // 1..160, more than the default depth of 144
			must(t, s.AddToCarousel(run(uint32(16*h+1), 16)))
		}
		b.start(s)
		time.Sleep(20 * time.Minute) // many passes; repeats inside the duplicate window are not heard
		synctest.Wait()
		heard := func(name string) []uint32 {
			b.mu.Lock()
			defer b.mu.Unlock()
			seen := map[uint32]bool{}
			var out []uint32
			for _, in := range b.got[name] {
				if h := in.Message.(link.HeaderRun).Height; !seen[h] {
					seen[h] = true
					out = append(out, h)
				}
			}
			slices.Sort(out)
			return out
		}
		if got, want := heard("shallow"), []uint32{129, 145}; !slices.Equal(got, want) {
			t.Errorf("shallow driver (32 headers) sent runs %v, want %v", got, want)
		}
		if got := heard("deep"); len(got) != 10 || got[0] != 1 {
			t.Errorf("deep driver (160 headers) sent runs %v, want all ten from 1", got)
		}
	})
}
