package gateway

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
)

// gate is an Announcer that holds every announcement until opened: a
// local node that is slow to take them.
type gate struct{ open chan struct{} }

func (g gate) Announce() { <-g.open }

// TestCarouselAfterMissedChainEvents: an uplink that falls more than a
// subscription's worth of chain events behind (its loop held up while the
// chain grows block by block) still carousels every recent header, so a
// one-way receiver from genesis catches up. The chain drops the oldest
// events it could not deliver; the carousel must not keep a hole there.
func TestCarouselAfterMissedChainEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		upChain, cs := w.followingUplink(20, "rx")
		rxChain := cs[0]
		held := gate{open: make(chan struct{})}
		w.run("up", Options{Roles: Roles{Uplink: true, Receiver: true}, Chain: upChain, Announcer: held,
			Drivers: []Driver{{Driver: w.driver("up", radio.TransmitOnly), Carousel: true, CarouselGap: 10 * time.Second}}})
		synctest.Wait()
		for range 80 { // one event per block, more than the gateway's 64
			w.node.Mine(1)
			synctest.Wait()
		}
		close(held.open)
		w.air.Connect("up", "rx", medium.Link{})
		w.run("rx", Options{Roles: Roles{Receiver: true}, Chain: rxChain, Drivers: []Driver{{Driver: w.driver("rx", radio.ReceiveOnly)}}})
		w.waitFor(time.Hour, "the receiver did not catch up from the carousel", func() bool { return sameTip(rxChain, w.node) })
	})
}
