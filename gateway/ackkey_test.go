package gateway

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/txqueue"
)

// TestForgedAckIgnoredWithAckKey: someone in range of a sender transmits a
// forged "accepted" for its transaction before any uplink heard it.
// Without an ack key the sender believes it and stops repeating: the
// transaction never reaches the node. With the key it shares with its
// uplink, the sender ignores the forgery (untagged, or tagged with another
// key), keeps repeating, and ends accepted on the uplink's tagged
// acknowledgement, with the transaction in the node's mempool. A sender
// whose key differs from the uplink's ignores the genuine one too and spends
// its attempts.
func TestForgedAckIgnoredWithAckKey(t *testing.T) {
	key := []byte("sixteen-chars-ok")
	for _, tt := range []struct {
		name            string
		senderKey       []byte
		uplinkKey       []byte
		forgeryKey      []byte // nil: untagged
		wantState       txqueue.State
		wantInMempool   bool
		wantIgnoredAcks bool
	}{
		{"no key: the forgery is believed", nil, nil, nil, txqueue.Accepted, false, false},
		{"key: untagged forgery ignored", key, key, nil, txqueue.Accepted, true, true},
		{"key: forgery under another key ignored", key, key, []byte("not-the-right-key"), txqueue.Accepted, true, true},
		{"keys differ: nothing believed", key, []byte("another-16-chars"), nil, txqueue.Expired, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t)
				w.node.Mine(102)
				upChain, sndChain := w.chain("up"), w.chain("snd")
				w.start()
				w.wg.Go(func() { w.node.Follow(w.ctx, upChain.PeerView()) })
				up, snd, mallory := w.driver("up", radio.TwoWay), w.driver("snd", radio.TwoWay), w.driver("mallory", radio.TransmitOnly)
				w.air.Connect("mallory", "snd", medium.Link{})
				q := w.queue()
				good, _ := w.spendAndTwin(1)
				w.enqueue(q, good)

				forged := link.TxAck{ShortID: shortID(good.WitnessHash()), Status: link.AckAccepted}
				if tt.forgeryKey != nil {
					forged = forged.Sign(link.Regtest, tt.forgeryKey)
				}
				body, err := forged.AppendBody(nil)
				if err != nil {
					t.Fatal(err)
				}
				sender := w.run("snd", Options{Roles: Roles{Sender: true}, Chain: sndChain, Queue: q, AckKey: tt.senderKey,
					Drivers: []Driver{{Driver: snd}}})
				time.Sleep(30 * time.Second) // its first transmission is over: a half-duplex radio hears nothing while sending
				if err := mallory.Send(w.ctx, link.AppendWhole(nil, link.Regtest, link.TypeTxAck, body)); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Minute)
				synctest.Wait()
				if e, _ := q.Get(good.TxHash()); tt.wantIgnoredAcks && e.State.Final() {
					t.Fatalf("after the forgery the entry is %v", e.State)
				}

				// The uplink comes into range.
				w.air.ConnectBoth("snd", "up", medium.Link{})
				w.run("up", Options{Roles: Roles{Uplink: true}, Chain: upChain, Node: w.node, MaxDelay: -1, AckKey: tt.uplinkKey,
					Drivers: []Driver{{Driver: up}}})
				time.Sleep(2 * time.Hour) // the sender repeats every 10 minutes
				synctest.Wait()
				e, _ := q.Get(good.TxHash())
				c := sender.Status().Counters
				if e.State != tt.wantState || w.node.InMempool(good.TxHash()) != tt.wantInMempool || (c.AcksUnauthenticated > 0) != tt.wantIgnoredAcks {
					t.Fatalf("entry %v, in the mempool %v, %d acknowledgements ignored", e.State, w.node.InMempool(good.TxHash()), c.AcksUnauthenticated)
				}
			})
		})
	}
}
