package wallet

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

func TestSpendVerifiesAndBrokenDoesNot(t *testing.T) {
	k := NewKey("altnet test")
	if k2 := NewKey("altnet test"); !bytes.Equal(k.PkScript, k2.PkScript) {
		t.Fatal("NewKey is not deterministic")
	}
	const value = 50_0000_0000
	prev := wire.OutPoint{Hash: chainhash.Hash{1}, Index: 0}
	tx, err := k.Spend(prev, value, 1000)
	if err != nil {
		t.Fatal(err)
	}
	verify := func(tx *wire.MsgTx) error {
		fetcher := txscript.NewCannedPrevOutputFetcher(k.PkScript, value)
		vm, err := txscript.NewEngine(k.PkScript, tx, 0, txscript.StandardVerifyFlags, nil,
			txscript.NewTxSigHashes(tx, fetcher), value, fetcher)
		if err != nil {
			return err
		}
		return vm.Execute()
	}
	if err := verify(tx); err != nil {
		t.Fatalf("signed spend does not verify: %v", err)
	}
	bad, err := BreakSignature(tx)
	if err != nil {
		t.Fatal(err)
	}
	if bad.TxHash() != tx.TxHash() || bad.WitnessHash() == tx.WitnessHash() {
		t.Fatal("broken copy must keep the txid and change the wtxid")
	}
	if err := verify(bad); err == nil {
		t.Fatal("broken signature verifies")
	}
	if _, err := k.Spend(prev, 100, 100); err == nil {
		t.Fatal("fee equal to the value accepted")
	}
}
