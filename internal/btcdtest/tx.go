package btcdtest

import (
	"fmt"

	"github.com/altnet/altnet/internal/wallet"
	"github.com/btcsuite/btcd/wire"
)

// Regtest facts the transaction helpers depend on.
const (
	// SegwitHeight is the first height at which btcd v0.24.2's regtest
	// enforces segwit (BIP9 with 144-block windows: started at 144, locked in
	// at 288, active from 432). Before it, witness spends are rejected as
	// non-standard.
	SegwitHeight = 432
	// CoinbaseMaturity is how many blocks a coinbase must wait before it can
	// be spent.
	CoinbaseMaturity = 100
)

// Key is the wallet key a Node mines to.
type Key = wallet.Key

// NewKey derives a deterministic key from seed (see wallet.NewKey).
func NewKey(seed string) *Key { return wallet.NewKey(seed) }

// Coinbase returns the first output of the coinbase transaction of the best
// chain's block at height, and its value in satoshi.
func (n *Node) Coinbase(height int64) (wire.OutPoint, int64, error) {
	hash, err := n.BlockHash(height)
	if err != nil {
		return wire.OutPoint{}, 0, err
	}
	blk, err := n.RPC().GetBlock(&hash)
	if err != nil {
		return wire.OutPoint{}, 0, fmt.Errorf("btcdtest: getblock %v: %w", hash, err)
	}
	if len(blk.Transactions) == 0 || len(blk.Transactions[0].TxOut) == 0 {
		return wire.OutPoint{}, 0, fmt.Errorf("btcdtest: block %d has no coinbase output", height)
	}
	cb := blk.Transactions[0]
	return wire.OutPoint{Hash: cb.TxHash(), Index: 0}, cb.TxOut[0].Value, nil
}

// SpendCoinbase spends the coinbase of the block at height (mined to the
// node's key) back to the key, paying fee. The coinbase must be mature and
// segwit active for the node to accept it.
func (n *Node) SpendCoinbase(height, fee int64) (*wire.MsgTx, error) {
	prev, value, err := n.Coinbase(height)
	if err != nil {
		return nil, err
	}
	return n.Key.Spend(prev, value, fee)
}

// BreakSignature returns a copy of a P2WPKH spend whose signature no
// longer verifies (see wallet.BreakSignature).
func BreakSignature(tx *wire.MsgTx) (*wire.MsgTx, error) { return wallet.BreakSignature(tx) }
