package p2p

import (
	"context"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// TestPushConfirmedByCore pushes to a model of Bitcoin Core's transaction
// handling (coreNode, after net_processing.cpp; not measured against a
// real Core, which is not available here): Core sends no reject, and serves
// a transaction to a peer only once it has announced its mempool to that
// peer since taking it (modern Core, every 5 s on average for an inbound
// peer), or once it is 2 minutes old (Core before m_last_inv_sequence). The
// client keeps asking such a node for TxConfirmWindow (3 min), so a valid
// transaction ends accepted, not unknown, and an invalid one ends unknown
// once the window is over. A node with another user agent gets no second
// probe: its notfound is the verdict.
func TestPushConfirmedByCore(t *testing.T) {
	valid := sampleTx(7)
	invalid := sampleTx(8)
	invalid.TxIn[0].Witness = wire.TxWitness{{0xff}, {2}}
	tests := []struct {
		name      string
		userAgent string
		old       bool // serves transactions older than 2 min, not after a trickle
		tx        *wire.MsgTx
		want      TxStatus
		min, max  time.Duration // time to the outcome
	}{
		{"core, valid", "/Satoshi:27.1.0/", false, valid, TxAccepted, 4 * time.Second, time.Minute},
		{"knots, valid", "/Satoshi:27.1.0/Knots:20240801/", false, valid, TxAccepted, 4 * time.Second, time.Minute},
		{"core, invalid", "/Satoshi:27.1.0/", false, invalid, TxUnknown, 3 * time.Minute, 3*time.Minute + 10*time.Second},
		{"older core, valid", "/Satoshi:0.21.1/", true, valid, TxAccepted, 2 * time.Minute, 3 * time.Minute},
		{"other node, valid", "/btcd:0.24.2/", false, valid, TxUnknown, 4 * time.Second, 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				node := &coreNode{userAgent: tt.userAgent, old: tt.old, rng: rand.New(rand.NewPCG(1, 2)),
					mempool: map[chainhash.Hash]coreEntry{}}
				client, stop := clientWithNode(t, newMemChain(regtest), node.serve)
				start := time.Now()
				res, err := client.SendTx(context.Background(), tt.tx)
				took := time.Since(start)
				stop()
				if err != nil || res.Status != tt.want {
					t.Fatalf("SendTx = %v, %v; want %v", res, err, tt.want)
				}
				if took < tt.min || took > tt.max {
					t.Errorf("outcome after %v, want %v..%v", took, tt.min, tt.max)
				}
				if !node.relay || node.feeFilter != 21_000_000*100_000_000 {
					t.Errorf("version relay %v, feefilter %d: want relay asked for and nothing announced", node.relay, node.feeFilter)
				}
				t.Logf("%s: %v after %v, %d probes", tt.name, res.Status, took, node.probes)
			})
		})
	}
}

// coreNode serves one connection the way Bitcoin Core handles transactions
// from an inbound peer: it requests an announced transaction after 4 s
// (a non-preferred peer that relays by txid: 2 s + 2 s), takes a valid one into its mempool and silently
// drops an invalid one (a witness starting with 0xff); it answers getdata
// only for transactions that were in its mempool at its last announcement
// round to this peer (rounds at exponential intervals, mean 5 s), or, with
// old, that are at least 2 minutes old; it keeps no relay state for a peer
// whose version did not ask for relay, and then answers none of its
// transaction requests. Its fields are read after the
// connection ends.
type coreNode struct {
	userAgent string
	old       bool
	rng       *rand.Rand

	mempool    map[chainhash.Hash]coreEntry
	seq        uint64 // mempool sequence
	lastInvSeq uint64 // at the last announcement round
	relay      bool
	feeFilter  int64
	probes     int
}

type coreEntry struct {
	tx    *wire.MsgTx
	seq   uint64
	added time.Time
}

func (n *coreNode) serve(ln *pipeListener) error {
	nc, err := ln.Accept()
	if err != nil {
		return err
	}
	p := newPeerConn(nc, regtest.Net, time.Minute, testLogger())
	defer p.close()
	local := localVersion{magic: regtest.Net, services: wire.SFNodeNetwork | wire.SFNodeWitness, userAgent: n.userAgent, nonce: newNonce(), now: time.Now()}
	remote, err := handshake(p, local, false, time.Minute)
	if err != nil {
		return err
	}
	n.relay = !remote.DisableRelayTx
	p.startReader()
	trickle := time.NewTimer(n.nextRound())
	defer trickle.Stop()
	var wants []chainhash.Hash // announced, to request at getdataAt
	getdataAt := time.NewTimer(time.Hour)
	getdataAt.Stop()
	for {
		select {
		case <-p.errs:
			return nil
		case <-trickle.C:
			n.lastInvSeq = n.seq
			trickle.Reset(n.nextRound())
		case <-getdataAt.C:
			gd := wire.NewMsgGetData()
			for i := range wants {
				_ = gd.AddInvVect(wire.NewInvVect(wire.InvTypeWitnessTx, &wants[i]))
			}
			wants = nil
			if err := p.send(gd); err != nil {
				return err
			}
		case m := <-p.msgs:
			switch m := m.(type) {
			case *wire.MsgFeeFilter:
				n.feeFilter = m.MinFee
			case *wire.MsgInv:
				for _, iv := range m.InvList {
					if _, ok := n.mempool[iv.Hash]; !ok && iv.Type == wire.InvTypeTx {
						wants = append(wants, iv.Hash)
					}
				}
				getdataAt.Reset(4 * time.Second) // a non-preferred peer that relays by txid
			case *wire.MsgTx:
				if m.TxIn[0].Witness[0][0] != 0xff {
					n.seq++
					n.mempool[m.TxHash()] = coreEntry{tx: m, seq: n.seq, added: time.Now()}
				}
			case *wire.MsgGetData:
				n.probes++
				if err := n.answer(p, m); err != nil {
					return err
				}
			}
		}
	}
}

// nextRound draws the time to the next announcement round.
func (n *coreNode) nextRound() time.Duration {
	return time.Duration(n.rng.ExpFloat64() * float64(5*time.Second))
}

func (n *coreNode) answer(p *peerConn, m *wire.MsgGetData) error {
	if !n.relay {
		return nil // modern Core keeps no relay state for the peer and skips its transaction requests
	}
	notFound := wire.NewMsgNotFound()
	for _, iv := range m.InvList {
		e, ok := n.mempool[iv.Hash]
		servable := ok && (n.old && time.Since(e.added) >= 2*time.Minute || !n.old && e.seq <= n.lastInvSeq)
		if !servable {
			_ = notFound.AddInvVect(iv)
			continue
		}
		if err := p.send(e.tx); err != nil {
			return err
		}
	}
	if len(notFound.InvList) == 0 {
		return nil
	}
	return p.send(notFound)
}
