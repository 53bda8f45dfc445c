package p2p

import (
	"errors"
	"fmt"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// TxStatus is what the node made of a pushed transaction.
type TxStatus int

// The outcomes of SendTx. Only TxAccepted and TxAlreadyKnown say the
// transaction is in the node's mempool.
const (
	// TxUnknown: no verdict. The node neither rejected the transaction nor
	// had it in its mempool when asked. Causes: a missing parent (orphan),
	// inputs already spent in a block, a transaction it rejected recently
	// and now ignores, a node in initial block download, or, from Bitcoin
	// Core (which sends no reject), an invalid transaction: Core is asked
	// again for ClientConfig.TxConfirmWindow before the outcome is unknown.
	// Retrying later may help; it is not an acknowledgement.
	TxUnknown TxStatus = iota
	// TxAccepted: the node asked for the transaction and then served it back
	// from its mempool.
	TxAccepted
	// TxAlreadyKnown: the node did not ask for the transaction but served it
	// from its mempool: someone else delivered it first. The node's copy may
	// carry another witness (same txid, other wtxid); it spends and pays
	// exactly the same.
	TxAlreadyKnown
	// TxRejected: the node sent a reject message (btcd does; Bitcoin Core
	// stopped in 0.20). TxResult.Code and Reason say why.
	TxRejected
)

// String returns the status as a lower-case word.
func (s TxStatus) String() string {
	switch s {
	case TxUnknown:
		return "unknown"
	case TxAccepted:
		return "accepted"
	case TxAlreadyKnown:
		return "already-known"
	case TxRejected:
		return "rejected"
	}
	return fmt.Sprintf("TxStatus(%d)", int(s))
}

// TxResult is the outcome of one SendTx.
type TxResult struct {
	// TxID is the transaction's id (the hash without witness).
	TxID chainhash.Hash
	// Status is the verdict.
	Status TxStatus
	// Code is the node's reject code (TxRejected only), e.g.
	// wire.RejectInvalid (0x10) for a bad signature.
	Code wire.RejectCode
	// Reason is the node's reject reason (TxRejected only).
	Reason string
}

// InMempool reports whether the node holds the transaction in its mempool.
func (r TxResult) InMempool() bool { return r.Status == TxAccepted || r.Status == TxAlreadyKnown }

// String describes the result in one line.
func (r TxResult) String() string {
	if r.Status == TxRejected {
		return fmt.Sprintf("%v rejected (%v): %s", r.TxID, r.Code, r.Reason)
	}
	return fmt.Sprintf("%v %v", r.TxID, r.Status)
}

// SendTx errors; compare with errors.Is.
var (
	// ErrQueueFull: MaxQueuedTxs transactions already wait for an outcome.
	ErrQueueFull = errors.New("p2p: transaction queue full")
	// ErrInvalidTx: the transaction cannot be pushed (no inputs or outputs,
	// larger than MaxTxSize).
	ErrInvalidTx = errors.New("p2p: transaction not pushable")
)

// txEntry is one queued transaction and its waiters. The node's messages
// (inv, getdata, reject, notfound) name a transaction by txid, so entries
// that share a txid (witness variants) are pushed one after the other on a
// connection; entries are told apart by wtxid.
type txEntry struct {
	tx      *wire.MsgTx
	txid    chainhash.Hash
	wtxid   chainhash.Hash
	done    chan struct{} // closed when res is set
	res     TxResult
	waiters int
}

// recentSize is how many finished txids the queue remembers, so that the
// node's echo of a pushed transaction is recognised.
const recentSize = 256

// txQueue holds the transactions waiting for an outcome, across
// connections: a push cut short by a disconnection starts again on the
// next connection.
type txQueue struct {
	max    int
	notify chan struct{} // a new entry; buffered, 1

	mu      sync.Mutex
	entries []*txEntry // FIFO
	recent  [recentSize]chainhash.Hash
	nRecent int
}

func newTxQueue(max int) *txQueue {
	return &txQueue{max: max, notify: make(chan struct{}, 1)}
}

// add queues tx, or joins the entry already queued with the same wtxid. A
// witness variant of a queued transaction (same txid, other wtxid) gets an
// entry of its own: a copy with a broken signature that someone else
// transmitted must not hand its verdict to the genuine transaction.
func (q *txQueue) add(tx *wire.MsgTx) (*txEntry, error) {
	if len(tx.TxIn) == 0 || len(tx.TxOut) == 0 {
		return nil, fmt.Errorf("%w: %d inputs, %d outputs", ErrInvalidTx, len(tx.TxIn), len(tx.TxOut))
	}
	if n := tx.SerializeSize(); n > MaxTxSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrInvalidTx, n, MaxTxSize)
	}
	txid, wtxid := tx.TxHash(), tx.WitnessHash()
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, e := range q.entries {
		if e.wtxid == wtxid {
			e.waiters++
			return e, nil
		}
	}
	if len(q.entries) >= q.max {
		return nil, fmt.Errorf("%w: %d waiting", ErrQueueFull, len(q.entries))
	}
	e := &txEntry{tx: tx.Copy(), txid: txid, wtxid: wtxid, done: make(chan struct{}), waiters: 1}
	q.entries = append(q.entries, e)
	q.wake()
	return e, nil
}

// wake tells the connection that there may be entries to announce.
func (q *txQueue) wake() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// pending returns the queued entries, oldest first.
func (q *txQueue) pending() []*txEntry {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]*txEntry(nil), q.entries...)
}

// len returns the number of queued entries.
func (q *txQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.entries)
}

// complete records e's outcome, wakes its waiters and forgets it. Completing
// an entry twice, or one that was released, does nothing.
func (q *txQueue) complete(e *txEntry, res TxResult) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.remove(e) {
		return
	}
	e.res = res
	close(e.done)
	q.recent[q.nRecent%recentSize] = e.txid
	q.nRecent++
}

// release drops one waiter of e; the last one takes e off the queue.
func (q *txQueue) release(e *txEntry) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e.waiters--
	if e.waiters <= 0 {
		q.remove(e)
	}
}

// remove takes e off the queue; the caller holds mu.
func (q *txQueue) remove(e *txEntry) bool {
	for i, x := range q.entries {
		if x == e {
			q.entries = append(q.entries[:i], q.entries[i+1:]...)
			return true
		}
	}
	return false
}

// queued reports whether e is still waiting for an outcome.
func (q *txQueue) queued(e *txEntry) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, x := range q.entries {
		if x == e {
			return true
		}
	}
	return false
}

// wasPushed reports whether txid finished recently (an echo candidate).
func (q *txQueue) wasPushed(txid chainhash.Hash) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := range min(q.nRecent, recentSize) {
		if q.recent[i] == txid {
			return true
		}
	}
	return false
}
