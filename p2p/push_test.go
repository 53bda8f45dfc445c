package p2p

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// sampleTx returns a small well-formed transaction (not valid on any
// chain: its input is made up), distinct per n.
func sampleTx(n byte) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{n}, Index: 0}, nil, [][]byte{{n, 1}, {2}}))
	tx.AddTxOut(wire.NewTxOut(1000, []byte{0x51}))
	return tx
}

// TestTxUnknownWhenNodeIsSilent pushes to a peer that neither requests nor
// serves transactions (our own Server): the client probes after
// TxGetDataTimeout and gives up after TxResultTimeout.
func TestTxUnknownWhenNodeIsSilent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		source := newMemChain(regtest)
		client, _, stop := pair(t, source, newMemChain(regtest), nil)
		defer stop()
		start := time.Now()
		res, err := client.SendTx(context.Background(), sampleTx(1))
		if err != nil || res.Status != TxUnknown || res.InMempool() {
			t.Fatalf("SendTx = %v, %v; want unknown", res, err)
		}
		if took, want := time.Since(start), 20*time.Second; took != want {
			t.Fatalf("outcome after %v, want %v (getdata wait + result wait)", took, want)
		}
	})
}

// TestSendTxQueue covers the queue: bad transactions, the bound, joining a
// push of the same txid, and giving up with the context while the node is
// unreachable.
func TestSendTxQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		refused := func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("refused") }
		client, err := NewClient(ClientConfig{Params: regtest, Node: "x:1", Chain: newMemChain(regtest), Dial: refused, MaxQueuedTxs: 2})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		runDone := make(chan error)
		go func() { runDone <- client.Run(ctx) }()

		empty := wire.NewMsgTx(2)
		if _, err := client.SendTx(ctx, empty); !errors.Is(err, ErrInvalidTx) {
			t.Errorf("empty tx: %v, want ErrInvalidTx", err)
		}
		huge := sampleTx(9)
		huge.TxOut[0].PkScript = make([]byte, MaxTxSize)
		if _, err := client.SendTx(ctx, huge); !errors.Is(err, ErrInvalidTx) {
			t.Errorf("huge tx: %v, want ErrInvalidTx", err)
		}

		wctx, wcancel := context.WithTimeout(ctx, time.Minute)
		defer wcancel()
		results := make(chan error, 3)
		for _, n := range []byte{1, 1, 2} { // the second joins the first
			go func() {
				_, err := client.SendTx(wctx, sampleTx(n))
				results <- err
			}()
		}
		synctest.Wait()
		if q := client.Status().QueuedTxs; q != 2 {
			t.Fatalf("%d queued, want 2", q)
		}
		if _, err := client.SendTx(ctx, sampleTx(3)); !errors.Is(err, ErrQueueFull) {
			t.Errorf("third distinct tx: %v, want ErrQueueFull", err)
		}
		for range 3 {
			if err := <-results; !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("waiter: %v, want DeadlineExceeded", err)
			}
		}
		if q := client.Status().QueuedTxs; q != 0 {
			t.Errorf("%d still queued after the waiters gave up", q)
		}
		cancel()
		<-runDone
	})
}

// TestPingTimeout: a peer that completes the handshake and then never
// answers is dropped after two ping intervals, and the client reconnects.
func TestPingTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln := newPipeListener()
		deaf := make(chan struct{})
		go deafNode(t, ln, deaf)
		client, err := NewClient(ClientConfig{Params: regtest, Node: "pipe", Chain: newMemChain(regtest), Dial: ln.Dial})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		runDone := make(chan error)
		go func() { runDone <- client.Run(ctx) }()
		time.Sleep(4*time.Minute + 2*time.Second) // ping at 2 min, unanswered at 4, reconnect 1 s later
		st := client.Status()
		if !strings.Contains(st.LastError, "ping") || st.Connections != 2 {
			t.Errorf("status %+v; want a ping timeout and a second connection", st)
		}
		cancel()
		<-runDone
		ln.Close()
		<-deaf
	})
}

// deafNode accepts connections, shakes hands and then reads without ever
// answering.
func deafNode(t *testing.T, ln *pipeListener, done chan struct{}) {
	defer close(done)
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			p := newPeerConn(nc, regtest.Net, time.Minute, testLogger())
			defer p.close()
			local := localVersion{magic: regtest.Net, services: wire.SFNodeNetwork | wire.SFNodeWitness, nonce: newNonce(), now: time.Now()}
			if _, err := handshake(p, local, false, time.Minute); err != nil {
				t.Errorf("deaf node handshake: %v", err)
				return
			}
			for {
				if _, err := p.recv(); err != nil {
					return
				}
			}
		}()
	}
}

// TestTxPushedWhenInvMissed: a node that misses the announcement (btcd
// drops an inv that arrives before its sync manager has registered the
// peer, which happens right after a reconnection, when the queued
// transactions go out at once) answers the probe with notfound. The client
// then sends the transaction unsolicited, as btcd and Core accept, and the
// node takes it: the outcome is accepted, not unknown.
func TestTxPushedWhenInvMissed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		node := &forgetfulNode{mempool: map[chainhash.Hash]*wire.MsgTx{}}
		client, stop := clientWithNode(t, newMemChain(regtest), node.serve)
		tx := sampleTx(4)
		start := time.Now()
		res, err := client.SendTx(context.Background(), tx)
		if err != nil || res.Status != TxAccepted {
			t.Errorf("SendTx = %v, %v; want accepted", res, err)
		}
		if took, want := time.Since(start), 10*time.Second; took != want {
			t.Errorf("outcome after %v, want %v (the getdata wait; the node answers at once)", took, want)
		}
		stop() // the node's counters are read after it ended
		if node.mempool[tx.TxHash()] == nil || node.invs != 1 || node.unsolicited != 1 {
			t.Errorf("node saw %d inv, %d unsolicited tx, mempool %v", node.invs, node.unsolicited, node.mempool)
		}
	})
}

// forgetfulNode serves one connection like a btcd that has not registered
// the peer with its sync manager yet: it drops every inv, takes every tx
// into its mempool (btcd accepts unsolicited transactions), and answers
// getdata for a transaction from its mempool or with notfound. Its counters
// are read after the connection ends.
type forgetfulNode struct {
	mempool     map[chainhash.Hash]*wire.MsgTx
	invs        int
	unsolicited int
}

func (n *forgetfulNode) serve(ln *pipeListener) error { return serveScripted(ln, n.handle) }

// serveScripted accepts one connection as a node and hands every message
// to handle until the client goes away or handle fails.
func serveScripted(ln *pipeListener, handle func(*peerConn, wire.Message) error) error {
	p, err := acceptNode(ln, 0)
	if err != nil {
		return err
	}
	defer p.close()
	for {
		select {
		case <-p.errs:
			return nil // the client went away
		case m := <-p.msgs:
			if err := handle(p, m); err != nil {
				return err
			}
		}
	}
}

func (n *forgetfulNode) handle(p *peerConn, m wire.Message) error {
	switch m := m.(type) {
	case *wire.MsgInv:
		n.invs++
	case *wire.MsgTx:
		n.unsolicited++
		n.mempool[m.TxHash()] = m
	case *wire.MsgGetData:
		return serveFromMempool(p, n.mempool, m)
	}
	return nil
}

// TestWitnessVariantsPushedApart: two transactions with the same txid and
// different witnesses (a genuine spend and a copy with a broken signature
// that someone else transmitted) are pushed one after the other, and each
// gets its own outcome. The node's messages name only the txid, so a
// shared push would hand the copy's "rejected" to the genuine transaction.
func TestWitnessVariantsPushedApart(t *testing.T) {
	genuine := sampleTx(5)
	broken := sampleTx(5)
	broken.TxIn[0].Witness = wire.TxWitness{{0xff}, {2}} // the node's "bad signature"
	if genuine.TxHash() != broken.TxHash() || genuine.WitnessHash() == broken.WitnessHash() {
		t.Fatal("the test needs two witness variants of one transaction")
	}
	tests := []struct {
		name string
		// node
		remembersRejects bool
		mempool          []*wire.MsgTx
		// pushes, in this order, at once
		push []*wire.MsgTx
		want []TxStatus
		// node's view afterwards
		invs int
	}{
		{
			// btcd ignores a rejected txid (inv and unsolicited tx alike)
			// until the next block: the genuine one ends unknown, not
			// rejected, and the sender repeats it later.
			name: "btcd, broken first", remembersRejects: true,
			push: []*wire.MsgTx{broken, genuine}, want: []TxStatus{TxRejected, TxUnknown}, invs: 2,
		},
		{
			// Bitcoin Core remembers a witness failure by wtxid only.
			name: "node that forgets rejects, broken first",
			push: []*wire.MsgTx{broken, genuine}, want: []TxStatus{TxRejected, TxAccepted}, invs: 2,
		},
		{
			// once the genuine one is in, the copy finds it there
			name: "genuine first", remembersRejects: true,
			push: []*wire.MsgTx{genuine, broken}, want: []TxStatus{TxAccepted, TxAlreadyKnown}, invs: 2,
		},
		{
			name: "node holds the genuine one", remembersRejects: true, mempool: []*wire.MsgTx{genuine},
			push: []*wire.MsgTx{broken}, want: []TxStatus{TxAlreadyKnown}, invs: 1,
		},
		{
			// the same transaction twice is one push
			name: "same wtxid joins",
			push: []*wire.MsgTx{genuine, genuine}, want: []TxStatus{TxAccepted, TxAccepted}, invs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				node := &mempoolNode{remembersRejects: tt.remembersRejects, mempool: map[chainhash.Hash]*wire.MsgTx{}, rejected: map[chainhash.Hash]bool{}}
				for _, tx := range tt.mempool {
					node.mempool[tx.TxHash()] = tx
				}
				client, stop := clientWithNode(t, newMemChain(regtest), node.serve)
				results := make([]TxResult, len(tt.push))
				var wg sync.WaitGroup
				for i, tx := range tt.push {
					wg.Go(func() {
						res, err := client.SendTx(context.Background(), tx)
						if err != nil {
							t.Errorf("push %d: %v", i, err)
						}
						results[i] = res
					})
					synctest.Wait() // queued in this order, while the first is in flight
				}
				wg.Wait()
				stop()
				for i, res := range results {
					if res.Status != tt.want[i] {
						t.Errorf("push %d (wtxid %.8s…) = %v, want %v", i, tt.push[i].WitnessHash(), res, tt.want[i])
					}
				}
				if node.invs != tt.invs {
					t.Errorf("node saw %d inv, want %d", node.invs, tt.invs)
				}
			})
		})
	}
}

// mempoolNode serves one connection like btcd's transaction handling: it
// requests announced transactions it neither holds nor rejected, validates
// what it receives (a witness starting with 0xff is a bad signature:
// reject 0x10; a txid already held: reject 0x12), and answers getdata from
// its mempool or with notfound. It takes a second to answer an inv, so
// that pushes queued together overlap. With remembersRejects it ignores a rejected
// txid from then on, as btcd does until the next block.
type mempoolNode struct {
	remembersRejects bool
	judging          time.Duration // how long validating a transaction takes
	mempool          map[chainhash.Hash]*wire.MsgTx
	rejected         map[chainhash.Hash]bool
	invs             int
}

func (n *mempoolNode) serve(ln *pipeListener) error { return serveScripted(ln, n.handle) }

func (n *mempoolNode) handle(p *peerConn, m wire.Message) error {
	switch m := m.(type) {
	case *wire.MsgInv:
		n.invs++
		time.Sleep(time.Second) // a busy node: the next push is queued meanwhile
		want := wire.NewMsgGetData()
		for _, iv := range m.InvList {
			if n.mempool[iv.Hash] == nil && !n.rejected[iv.Hash] {
				_ = want.AddInvVect(wire.NewInvVect(wire.InvTypeWitnessTx, &iv.Hash))
			}
		}
		if len(want.InvList) > 0 {
			return p.send(want)
		}
	case *wire.MsgTx:
		time.Sleep(n.judging)
		txid := m.TxHash()
		switch {
		case n.rejected[txid]:
		case n.mempool[txid] != nil:
			rej := wire.NewMsgReject(wire.CmdTx, wire.RejectDuplicate, "already have transaction "+txid.String())
			rej.Hash = txid
			return p.send(rej)
		case m.TxIn[0].Witness[0][0] == 0xff:
			if n.remembersRejects {
				n.rejected[txid] = true
			}
			rej := wire.NewMsgReject(wire.CmdTx, wire.RejectInvalid, "signature not valid")
			rej.Hash = txid
			return p.send(rej)
		default:
			n.mempool[txid] = m
		}
	case *wire.MsgGetData:
		return serveFromMempool(p, n.mempool, m)
	}
	return nil
}

// TestLateRejectIsNotTheVariants: the node takes longer to judge a copy
// with a broken signature than the client waits (TxResultTimeout), so the
// copy's push ends unknown and the genuine variant is announced; the
// copy's reject, arriving then, must not become the genuine one's verdict.
func TestLateRejectIsNotTheVariants(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		genuine := sampleTx(6)
		broken := sampleTx(6)
		broken.TxIn[0].Witness = wire.TxWitness{{0xff}, {2}}
		node := &mempoolNode{mempool: map[chainhash.Hash]*wire.MsgTx{}, rejected: map[chainhash.Hash]bool{}, judging: 15 * time.Second}
		client, stop := clientWithNode(t, newMemChain(regtest), node.serve)
		results := make([]TxResult, 2)
		var wg sync.WaitGroup
		for i, tx := range []*wire.MsgTx{broken, genuine} {
			wg.Go(func() { results[i], _ = client.SendTx(context.Background(), tx) })
			synctest.Wait()
		}
		wg.Wait()
		stop()
		if results[0].Status != TxUnknown || results[1].Status == TxRejected {
			t.Fatalf("broken copy %v, genuine %v; want unknown, and the genuine one not rejected", results[0], results[1])
		}
	})
}

// serveFromMempool answers a getdata as a node answers for transactions:
// each from the mempool, or a notfound.
func serveFromMempool(p *peerConn, mempool map[chainhash.Hash]*wire.MsgTx, m *wire.MsgGetData) error {
	for _, iv := range m.InvList {
		var reply wire.Message = wire.NewMsgNotFound()
		if tx := mempool[iv.Hash]; tx != nil {
			reply = tx
		} else {
			_ = reply.(*wire.MsgNotFound).AddInvVect(iv)
		}
		if err := p.send(reply); err != nil {
			return err
		}
	}
	return nil
}
