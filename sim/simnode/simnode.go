// Package simnode is the full node of the simulator: a regtest chain it
// mines itself, with coinbases paid to a wallet key the simulation knows,
// and a mempool that checks transactions the way a node does for the
// outputs it tracks (inputs exist and are unspent, coinbases are mature,
// outputs do not exceed inputs, and every input script verifies with btcd's
// txscript engine). An uplink gateway pushes radio transactions into it
// exactly as into a real node, and gets the same kinds of answers.
//
// It is not a consensus implementation: it knows only the outputs of its
// own blocks, checks no block rules beyond proof of work it produces
// itself, and never reorganises unless told to.
package simnode

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/internal/wallet"
	"github.com/altnet/altnet/p2p"
	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// CoinbaseMaturity is how many blocks a coinbase waits before it can be
// spent, as on every Bitcoin network.
const CoinbaseMaturity = 100

// Subsidy is the regtest block reward before the first halving (150 blocks).
const Subsidy = 50_0000_0000

// Node is the simulated full node. It is safe for concurrent use.
type Node struct {
	params *chaincfg.Params
	key    *wallet.Key
	clock  clock.Clock

	mu      sync.Mutex
	headers []wire.BlockHeader       // best chain from genesis
	index   map[chainhash.Hash]int32 // height of each header in headers
	cbs     []*wire.MsgTx            // coinbase of each block
	utxo    map[wire.OutPoint]utxoEntry
	mempool map[chainhash.Hash]*wire.MsgTx
	spends  map[wire.OutPoint]chainhash.Hash // mempool spends
	blockTx map[chainhash.Hash]bool          // txids already in blocks
	undo    map[int32]undo                   // how to disconnect each block
	reorgs  int                              // disconnected blocks so far
	watch   []chan struct{}
}

// undo records what connecting a block changed.
type undo struct {
	spent   map[wire.OutPoint]utxoEntry
	created map[wire.OutPoint]struct{}
	txids   []chainhash.Hash
}

type utxoEntry struct {
	out      *wire.TxOut
	height   int32
	coinbase bool
}

// New returns a node holding only the regtest genesis block, mining to key.
func New(key *wallet.Key, clk clock.Clock) *Node {
	p := &chaincfg.RegressionNetParams
	return &Node{
		params:  p,
		key:     key,
		clock:   clock.OrReal(clk),
		headers: []wire.BlockHeader{p.GenesisBlock.Header},
		index:   map[chainhash.Hash]int32{*p.GenesisHash: 0},
		cbs:     []*wire.MsgTx{p.GenesisBlock.Transactions[0]},
		utxo:    make(map[wire.OutPoint]utxoEntry),
		mempool: make(map[chainhash.Hash]*wire.MsgTx),
		spends:  make(map[wire.OutPoint]chainhash.Hash),
		blockTx: make(map[chainhash.Hash]bool),
		undo:    make(map[int32]undo),
	}
}

// Params returns the network parameters (regtest).
func (n *Node) Params() *chaincfg.Params { return n.params }

// Tip returns the best header and its height.
func (n *Node) Tip() (wire.BlockHeader, int32) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.headers[len(n.headers)-1], int32(len(n.headers) - 1)
}

// Headers returns the headers from height from to the tip.
func (n *Node) Headers(from int32) []wire.BlockHeader {
	n.mu.Lock()
	defer n.mu.Unlock()
	if from < 0 || int(from) >= len(n.headers) {
		return nil
	}
	return append([]wire.BlockHeader(nil), n.headers[from:]...)
}

// Changed returns a channel closed at the next new block.
func (n *Node) Changed() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := make(chan struct{})
	n.watch = append(n.watch, c)
	return c
}

// Coinbase returns the outpoint and value of the coinbase of the block at
// height, paid to the node's key.
func (n *Node) Coinbase(height int32) (wire.OutPoint, int64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if height < 1 || int(height) >= len(n.cbs) {
		return wire.OutPoint{}, 0, fmt.Errorf("simnode: no block at height %d", height)
	}
	cb := n.cbs[height]
	return wire.OutPoint{Hash: cb.TxHash()}, cb.TxOut[0].Value, nil
}

// Mine mines count blocks on the tip, each holding the mempool's
// transactions, with timestamps from the node's clock (kept above the
// median time past), and returns their headers.
func (n *Node) Mine(count int) []wire.BlockHeader {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.mineLocked(count)
}

// mineLocked mines count blocks on the tip and wakes the watchers. Called
// with n.mu held.
func (n *Node) mineLocked(count int) []wire.BlockHeader {
	var out []wire.BlockHeader
	for range count {
		// After a reorg the coinbase carries the reorg count, so the new
		// branch's blocks differ from the old ones even at the same
		// timestamp.
		out = append(out, n.mineOne())
	}
	for _, c := range n.watch {
		close(c)
	}
	n.watch = nil
	return out
}

// mineOne builds, grinds and connects one block. Called with n.mu held.
func (n *Node) mineOne() wire.BlockHeader {
	height := int32(len(n.headers))
	prev := n.headers[height-1]
	cb := n.coinbase(height)
	txs := []*wire.MsgTx{cb}
	for _, tx := range n.mempool {
		txs = append(txs, tx)
	}
	// In txid order, not the map's: the same seed mines the same blocks.
	// (The mempool holds no transaction spending another one.)
	slices.SortFunc(txs[1:], func(a, b *wire.MsgTx) int {
		ha, hb := a.TxHash(), b.TxHash()
		return bytes.Compare(ha[:], hb[:])
	})
	ts := n.clock.Now().Truncate(time.Second)
	if mtp := n.medianTime(); !ts.After(mtp) {
		ts = mtp.Add(time.Second)
	}
	h := wire.BlockHeader{
		Version:    0x20000000,
		PrevBlock:  prev.BlockHash(),
		MerkleRoot: merkleRoot(txs),
		Timestamp:  ts,
		Bits:       n.params.PowLimitBits,
	}
	target := blockchain.CompactToBig(h.Bits)
	for {
		hash := h.BlockHash()
		if blockchain.HashToBig(&hash).Cmp(target) <= 0 {
			break
		}
		h.Nonce++
	}
	n.headers = append(n.headers, h)
	n.index[h.BlockHash()] = height
	n.cbs = append(n.cbs, cb)
	u := undo{spent: map[wire.OutPoint]utxoEntry{}, created: map[wire.OutPoint]struct{}{}}
	for _, tx := range txs {
		n.connect(tx, height, tx == cb, &u)
	}
	n.undo[height] = u
	clear(n.mempool)
	clear(n.spends)
	return h
}

// coinbase pays the subsidy to the key, with the BIP34 height push.
func (n *Node) coinbase(height int32) *wire.MsgTx {
	var hb [4]byte
	binary.LittleEndian.PutUint32(hb[:], uint32(height))
	tag := fmt.Appendf(nil, "altnet sim %d", n.reorgs)
	sig, _ := txscript.NewScriptBuilder().AddData(trimHeight(hb[:])).AddData(tag).Script()
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), sig, nil))
	tx.AddTxOut(wire.NewTxOut(Subsidy, n.key.PkScript))
	return tx
}

// trimHeight drops the high zero bytes of a little-endian height (but keeps
// one byte, and a zero byte where the sign bit would be set).
func trimHeight(b []byte) []byte {
	for len(b) > 1 && b[len(b)-1] == 0 && b[len(b)-2]&0x80 == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// connect spends tx's inputs and adds its outputs. Called with n.mu held.
func (n *Node) connect(tx *wire.MsgTx, height int32, coinbase bool, u *undo) {
	id := tx.TxHash()
	n.blockTx[id] = true
	u.txids = append(u.txids, id)
	if !coinbase {
		for _, in := range tx.TxIn {
			if e, ok := n.utxo[in.PreviousOutPoint]; ok {
				u.spent[in.PreviousOutPoint] = e
			}
			delete(n.utxo, in.PreviousOutPoint)
		}
	}
	for i, out := range tx.TxOut {
		op := wire.OutPoint{Hash: id, Index: uint32(i)}
		n.utxo[op] = utxoEntry{out: out, height: height, coinbase: coinbase}
		u.created[op] = struct{}{}
	}
}

// medianTime is the median of the last 11 timestamps. Called with n.mu held.
func (n *Node) medianTime() time.Time {
	k := min(11, len(n.headers))
	ts := make([]time.Time, 0, k)
	for _, h := range n.headers[len(n.headers)-k:] {
		ts = append(ts, h.Timestamp)
	}
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Before(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
	return ts[len(ts)/2]
}

func merkleRoot(txs []*wire.MsgTx) chainhash.Hash {
	level := make([]chainhash.Hash, len(txs))
	for i, tx := range txs {
		level[i] = tx.TxHash()
	}
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := level[:0:0]
		for i := 0; i < len(level); i += 2 {
			var buf [64]byte
			copy(buf[:32], level[i][:])
			copy(buf[32:], level[i+1][:])
			next = append(next, chainhash.DoubleHashH(buf[:]))
		}
		level = next
	}
	return level[0]
}

// Work returns the chain work of the best chain.
func (n *Node) Work() *big.Int {
	n.mu.Lock()
	defer n.mu.Unlock()
	w := new(big.Int)
	for _, h := range n.headers {
		w.Add(w, blockchain.CalcWork(h.Bits))
	}
	return w
}

// SendTx offers a transaction to the node's mempool and returns the verdict
// with BIP 61 codes, as a real node answers an uplink.
func (n *Node) SendTx(ctx context.Context, tx *wire.MsgTx) (p2p.TxResult, error) {
	if err := ctx.Err(); err != nil {
		return p2p.TxResult{}, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	id := tx.TxHash()
	res := p2p.TxResult{TxID: id}
	if _, ok := n.mempool[id]; ok || n.blockTx[id] {
		res.Status = p2p.TxAlreadyKnown
		return res, nil
	}
	if code, reason := n.check(tx); code != 0 {
		res.Status, res.Code, res.Reason = p2p.TxRejected, code, reason
		return res, nil
	}
	n.mempool[id] = tx
	for _, in := range tx.TxIn {
		n.spends[in.PreviousOutPoint] = id
	}
	res.Status = p2p.TxAccepted
	return res, nil
}

// InMempool reports whether the mempool holds txid.
func (n *Node) InMempool(id chainhash.Hash) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, ok := n.mempool[id]
	return ok
}

// check validates tx against the tracked outputs. Called with n.mu held.
func (n *Node) check(tx *wire.MsgTx) (wire.RejectCode, string) {
	if err := blockchain.CheckTransactionSanity(btcutil.NewTx(tx)); err != nil {
		return wire.RejectInvalid, err.Error()
	}
	height := int32(len(n.headers))
	prevOuts := make(map[wire.OutPoint]*wire.TxOut, len(tx.TxIn))
	var in int64
	for _, txin := range tx.TxIn {
		op := txin.PreviousOutPoint
		if spender, ok := n.spends[op]; ok {
			return wire.RejectDuplicate, fmt.Sprintf("output %v already spent by transaction %v in the memory pool", op, spender)
		}
		u, ok := n.utxo[op]
		if !ok {
			return wire.RejectInvalid, fmt.Sprintf("output %v referenced from transaction %v either does not exist or has already been spent", op, tx.TxHash())
		}
		if u.coinbase && height-u.height < CoinbaseMaturity {
			return wire.RejectInvalid, fmt.Sprintf("tried to spend coinbase transaction output %v from height %d at height %d before required maturity of %d blocks", op, u.height, height, CoinbaseMaturity)
		}
		prevOuts[op] = u.out
		in += u.out.Value
	}
	var out int64
	for _, o := range tx.TxOut {
		out += o.Value
	}
	if out > in {
		return wire.RejectInvalid, fmt.Sprintf("total value of all transaction outputs (%d) exceeds the inputs (%d)", out, in)
	}
	fetcher := txscript.NewMultiPrevOutFetcher(prevOuts)
	hashes := txscript.NewTxSigHashes(tx, fetcher)
	for i, txin := range tx.TxIn {
		prev := prevOuts[txin.PreviousOutPoint]
		vm, err := txscript.NewEngine(prev.PkScript, tx, i, txscript.StandardVerifyFlags, nil, hashes, prev.Value, fetcher)
		if err == nil {
			err = vm.Execute()
		}
		if err != nil {
			return wire.RejectInvalid, fmt.Sprintf("failed to validate input %v:%d: %v", tx.TxHash(), i, err)
		}
	}
	return 0, ""
}

// Reorg replaces the last depth blocks with count new ones (count > depth
// gives the new branch more work), as a miner that found a longer branch
// would; transactions of the abandoned blocks are dropped. It returns the
// new branch's headers.
func (n *Node) Reorg(depth, count int) ([]wire.BlockHeader, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if depth < 1 || depth >= len(n.headers) {
		return nil, fmt.Errorf("simnode: cannot disconnect %d of %d blocks", depth, len(n.headers)-1)
	}
	for range depth {
		n.disconnectTip()
	}
	clear(n.mempool)
	clear(n.spends)
	return n.mineLocked(count), nil
}

// disconnectTip undoes the tip block. Called with n.mu held.
func (n *Node) disconnectTip() {
	height := int32(len(n.headers) - 1)
	u := n.undo[height]
	for op := range u.created {
		delete(n.utxo, op)
	}
	for op, e := range u.spent {
		n.utxo[op] = e
	}
	for _, id := range u.txids {
		delete(n.blockTx, id)
	}
	delete(n.undo, height)
	delete(n.index, n.headers[height].BlockHash())
	n.headers = n.headers[:height]
	n.cbs = n.cbs[:height]
	n.reorgs++
}

// Follow hands the node's headers to sink as a P2P client does: all the
// headers after the newest locator entry on the node's chain, in batches
// of up to 2,000, and again after every new block, until ctx ends.
func (n *Node) Follow(ctx context.Context, sink p2p.HeaderSink) error {
	for {
		changed := n.Changed()
		for {
			hs := n.after(sink.BlockLocator(), wire.MaxBlockHeadersPerMsg)
			if len(hs) == 0 {
				break
			}
			if err := sink.AddHeaders(hs); err != nil {
				var again interface{ AskAgain() bool }
				if errors.As(err, &again) && again.AskAgain() {
					continue
				}
				return fmt.Errorf("simnode: follower refused headers: %w", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// after returns up to max headers following the newest locator hash on the
// best chain (genesis when none is).
func (n *Node) after(locator []chainhash.Hash, max int) []wire.BlockHeader {
	n.mu.Lock()
	defer n.mu.Unlock()
	from := 0
	for _, h := range locator {
		if i, ok := n.index[h]; ok {
			from = int(i)
			break
		}
	}
	end := min(len(n.headers), from+1+max)
	return append([]wire.BlockHeader(nil), n.headers[from+1:end]...)
}
