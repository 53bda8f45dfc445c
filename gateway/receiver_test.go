package gateway

import (
	"math/big"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/compress"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/radio/traffic"
	"github.com/btcsuite/btcd/wire"
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
				upChain, cs := w.followingUplink(40, "rx")
				rxChain := cs[0]
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

// TestFarBehindReceiverAsksInPieces: an answer holds at most maxAnswer
// headers, so a receiver 600 headers behind asks again after each piece
// until it has the announced tip, and the uplink answers each request
// once per answerInterval whatever else arrives.
func TestFarBehindReceiverAsksInPieces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		upChain, cs := w.followingUplink(600, "rx")
		rxChain := cs[0]
		up := w.run("up", Options{Roles: Roles{Uplink: true}, Chain: upChain,
			Drivers: []Driver{{Driver: w.driver("up", radio.TwoWay)}}})
		rx := w.run("rx", Options{Roles: Roles{Receiver: true}, Chain: rxChain,
			Drivers: []Driver{{Driver: w.driver("rx", radio.TwoWay)}}})
		time.Sleep(time.Minute)
		w.air.ConnectBoth("up", "rx", medium.Link{})
		w.node.Mine(1)
		w.waitFor(30*time.Minute, "the receiver did not catch up", func() bool { return sameTip(rxChain, w.node) })
		rs, us := rx.Status(), up.Status()
		// 601 headers: 256 + 256 + 89.
		if rs.Counters.RequestsSent != 3 || us.Counters.RequestsAnswered != 3 {
			t.Fatalf("receiver sent %d requests, uplink answered %d; want 3 and 3", rs.Counters.RequestsSent, us.Counters.RequestsAnswered)
		}
	})
}

// TestFalseTipClaimStopsAsking: a tip announcement that claims a height far
// beyond anything (anyone can transmit one) makes a receiver ask once, and
// when the answer brings nothing new, it stops asking until the next
// announcement instead of spending airtime on requests forever.
func TestFalseTipClaimStopsAsking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		upChain, cs := w.followingUplink(20, "rx")
		rxChain := cs[0]
		up, rxd, liar := w.driver("up", radio.TwoWay), w.driver("rx", radio.TwoWay), w.driver("liar", radio.TransmitOnly)
		w.air.ConnectBoth("up", "rx", medium.Link{})
		w.run("up", Options{Roles: Roles{Uplink: true}, Chain: upChain, Drivers: []Driver{{Driver: up}}})
		rx := w.run("rx", Options{Roles: Roles{Receiver: true}, Chain: rxChain, Drivers: []Driver{{Driver: rxd}}})
		time.Sleep(time.Minute)
		w.node.Mine(1)
		w.waitFor(10*time.Minute, "the receiver did not catch up", func() bool { return sameTip(rxChain, w.node) })

		w.air.Connect("liar", "rx", medium.Link{})
		bogus := wire.BlockHeader{Version: 4, Timestamp: time.Unix(1_800_000_000, 0), Bits: 0x207fffff, Nonce: 7}
		bogus.PrevBlock[0] = 0xee // a parent nobody has
		hdr, err := compress.EncodeStandalone(nil, &bogus)
		if err != nil {
			t.Fatal(err)
		}
		body, err := link.Tip{Height: 2_000_000_000, Work: big.NewInt(1), Header: hdr}.AppendBody(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := liar.Send(w.ctx, link.AppendWhole(nil, link.Regtest, link.TypeTip, body)); err != nil {
			t.Fatal(err)
		}
		before := rx.Status().Counters.RequestsSent
		time.Sleep(time.Hour)
		if sent := rx.Status().Counters.RequestsSent - before; sent < 1 || sent > 2 {
			t.Fatalf("%d header requests in the hour after a false tip, want 1 or 2", sent)
		}
	})
}
