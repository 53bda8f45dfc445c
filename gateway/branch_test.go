package gateway

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
)

// TestOneWayReorgAcrossRuns has a receive-only receiver follow a
// reorganisation whose new branch crosses a carousel run boundary: with
// 16 headers per run, blocks 32-33 are replaced by 32'-34', so the run
// 17-32 carries 32' (less work than the old branch: a side branch) and the
// run 33-48 carries 33'-34', which only decode on top of 32'. A one-way
// receiver cannot ask for them; it must decode the second run against the
// side branch it holds.
func TestOneWayReorgAcrossRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.node.Mine(33)
		upChain, rxChain := w.chain("up"), w.chain("rx")
		w.start()
		w.wg.Go(func() { w.node.Follow(w.ctx, upChain.PeerView()) })
		w.air.Connect("up", "rx", medium.Link{RSSI: -100, SNR: 5})
		w.run("up", Options{Roles: Roles{Uplink: true}, Chain: upChain,
			Drivers: []Driver{{Driver: w.driver("up", radio.TransmitOnly), Carousel: true, CarouselGap: 10 * time.Second}}})
		w.run("rx", Options{Roles: Roles{Receiver: true}, Chain: rxChain, Drivers: []Driver{{Driver: w.driver("rx", radio.ReceiveOnly)}}})
		w.waitFor(30*time.Minute, "the receiver did not sync", func() bool { return sameTip(rxChain, w.node) })
		if _, err := w.node.Reorg(2, 3); err != nil {
			t.Fatal(err)
		}
		w.waitFor(30*time.Minute, "the receiver did not follow the reorganisation", func() bool { return sameTip(rxChain, w.node) })
		if h := rxChain.Tip().Height; h != 34 {
			t.Fatalf("receiver at %d", h)
		}
	})
}
