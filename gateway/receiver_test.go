package gateway

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/radio/traffic"
)

// TestTwoWayReceiverCatchesUpByRequest: a two-way receiver that missed 40
// blocks (out of range) hears the next tip, cannot connect it, asks for
// what it lacks, and the uplink answers with three header runs. The
// uplink has no carousel, so the request is the only way back. A
// receiver whose radio does not carry requests asks nothing.
func TestTwoWayReceiverCatchesUpByRequest(t *testing.T) {
	for _, tt := range []struct {
		name       string
		assignment traffic.Assignment
		requests   int
	}{
		{"carries requests", nil, 1},
		{"no requests", traffic.Assignment{link.TypeHeaderRequest: {}}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t)
				w.node.Mine(40)
				upChain, rxChain := w.chain("up"), w.chain("rx")
				w.start()
				w.wg.Go(func() { w.node.Follow(w.ctx, upChain.PeerView()) })
				w.waitFor(time.Minute, "the uplink did not follow its node", func() bool { return sameTip(upChain, w.node) })
				up := w.run("up", Options{Roles: Roles{Uplink: true}, Chain: upChain,
					Drivers: []Driver{{Driver: w.driver("up", radio.TwoWay)}}})
				rx := w.run("rx", Options{Roles: Roles{Receiver: true}, Chain: rxChain, Assignment: tt.assignment,
					Drivers: []Driver{{Driver: w.driver("rx", radio.TwoWay)}}})
				time.Sleep(time.Minute) // out of range: the receiver hears nothing
				w.air.ConnectBoth("up", "rx", medium.Link{})
				w.node.Mine(1)
				time.Sleep(10 * time.Minute)
				rs, us := rx.Status(), up.Status()
				if rs.Counters.TipsReceived != 1 || rs.Counters.RequestsSent != tt.requests {
					t.Fatalf("receiver counters %+v", rs.Counters)
				}
				if tt.requests == 0 {
					if rs.Chain.Height != 0 || us.Counters.RequestsAnswered != 0 {
						t.Fatalf("receiver at %d, uplink answered %d requests", rs.Chain.Height, us.Counters.RequestsAnswered)
					}
					return
				}
				if !sameTip(rxChain, w.node) {
					t.Fatalf("receiver at %d, node at 41", rs.Chain.Height)
				}
				// 41 headers in runs of 16: 1-16, 17-32, 33-41.
				if us.Counters.RequestsAnswered != 1 || us.Counters.RunsSent != 3 || rs.Counters.RunsReceived != 3 {
					t.Fatalf("uplink counters %+v, receiver counters %+v", us.Counters, rs.Counters)
				}
			})
		})
	}
}
