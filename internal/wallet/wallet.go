// Package wallet is a one-key regtest wallet for tests and the simulator:
// a deterministic key with its P2WPKH script, a signed spend of one of its
// outputs, and a copy of a spend with a broken signature. It holds no
// funds of its own; callers tell it which output to spend.
package wallet

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// Key is a private key with its P2WPKH address on regtest.
type Key struct {
	// Priv is the private key.
	Priv *btcec.PrivateKey
	// Address is the P2WPKH (bech32) address of the compressed public key.
	Address *btcutil.AddressWitnessPubKeyHash
	// PkScript is the output script paying to Address.
	PkScript []byte
}

// NewKey derives a key from seed (SHA-256 of the seed as the secret), so
// that tests and simulations get the same key every run.
func NewKey(seed string) *Key {
	secret := sha256.Sum256([]byte(seed))
	priv, pub := btcec.PrivKeyFromBytes(secret[:])
	addr, err := btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160(pub.SerializeCompressed()), &chaincfg.RegressionNetParams)
	if err != nil {
		panic(fmt.Sprintf("wallet: a 20-byte hash is always a valid P2WPKH program: %v", err))
	}
	script, err := txscript.PayToAddrScript(addr)
	if err != nil {
		panic(fmt.Sprintf("wallet: P2WPKH script: %v", err))
	}
	return &Key{Priv: priv, Address: addr, PkScript: script}
}

// Spend returns a version-2 transaction, signed with the key, that spends
// prev (a P2WPKH output of the key worth value satoshi) back to the key's
// address, paying fee.
func (k *Key) Spend(prev wire.OutPoint, value, fee int64) (*wire.MsgTx, error) {
	if fee < 0 || fee >= value {
		return nil, fmt.Errorf("wallet: fee %d out of range for an input of %d", fee, value)
	}
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&prev, nil, nil))
	tx.AddTxOut(wire.NewTxOut(value-fee, k.PkScript))
	fetcher := txscript.NewCannedPrevOutputFetcher(k.PkScript, value)
	hashes := txscript.NewTxSigHashes(tx, fetcher)
	wit, err := txscript.WitnessSignature(tx, hashes, 0, value, k.PkScript, txscript.SigHashAll, k.Priv, true)
	if err != nil {
		return nil, fmt.Errorf("wallet: sign: %w", err)
	}
	tx.TxIn[0].Witness = wit
	return tx, nil
}

// BreakSignature returns a copy of a P2WPKH spend with one byte of the
// first input's signature changed: still well-formed DER, but it no longer
// verifies. The witness is not part of the txid, so the copy has the same
// txid as tx and a different wtxid.
func BreakSignature(tx *wire.MsgTx) (*wire.MsgTx, error) {
	bad := tx.Copy()
	if len(bad.TxIn) == 0 || len(bad.TxIn[0].Witness) != 2 {
		return nil, errors.New("wallet: not a P2WPKH spend: want a two-item witness")
	}
	sig := bad.TxIn[0].Witness[0]
	// DER: 0x30 len 0x02 rlen r... ; flip the last byte of r.
	if len(sig) < 8 || sig[0] != 0x30 || sig[2] != 0x02 || int(sig[3])+4 > len(sig) {
		return nil, errors.New("wallet: witness signature is not DER")
	}
	sig[4+int(sig[3])-1] ^= 0x01
	return bad, nil
}
