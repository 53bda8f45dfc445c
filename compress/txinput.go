package compress

import (
	"bytes"
	"crypto/sha256"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Input kinds, the symbols of tKind. Each kind fixes the shape of the
// scriptSig and the witness so that only the variable parts are coded.
const (
	kindP2WPKH     = iota // witness [sig, key33], empty scriptSig
	kindP2SHP2WPKH        // as P2WPKH; scriptSig pushes 0014 HASH160(key)
	kindP2TRKey           // witness [64- or 65-byte signature]
	kindP2PKH             // scriptSig pushes [sig, key]
	kindP2WSH             // witness [items..., script], empty scriptSig
	kindP2SHP2WSH         // as P2WSH; scriptSig pushes 0020 SHA256(script)
	kindP2SH              // scriptSig pushes [items..., script]
	kindP2TRScript        // witness [items..., tapscript, control block]
	kindP2PK              // scriptSig pushes [sig]
	kindCoinbase          // null prevout; raw scriptSig; witness items
	kindGeneric           // raw scriptSig; witness items
	inputKinds
)

// Sequence numbers with their own symbol in tSequence; any other is the last
// symbol followed by 32 raw bits.
var sequences = [...]uint32{0xffffffff, 0xfffffffd, 0xfffffffe, 0}

func inputKind(in *wire.TxIn) int {
	w, ss := in.Witness, in.SignatureScript
	switch {
	case in.PreviousOutPoint.Index == 0xffffffff && in.PreviousOutPoint.Hash == (chainhash.Hash{}):
		return kindCoinbase
	case len(w) == 2 && len(w[1]) == 33 && (w[1][0] == 2 || w[1][0] == 3):
		switch {
		case len(ss) == 0:
			return kindP2WPKH
		case bytes.Equal(ss, p2shWitnessPush(0x14, btcutil.Hash160(w[1]))):
			return kindP2SHP2WPKH
		}
	case len(w) == 1 && (len(w[0]) == 64 || len(w[0]) == 65) && len(ss) == 0:
		return kindP2TRKey
	case len(w) >= 2 && len(ss) == 0 && isControlBlock(w[len(w)-1]):
		return kindP2TRScript
	}
	if len(w) > 0 {
		if len(ss) == 0 {
			return kindP2WSH
		}
		script := sha256.Sum256(w[len(w)-1])
		if bytes.Equal(ss, p2shWitnessPush(0x20, script[:])) {
			return kindP2SHP2WSH
		}
		return kindGeneric
	}
	items, ok := pushItems(ss)
	switch {
	case !ok || len(items) == 0:
		return kindGeneric
	case len(items) == 2 && keyItem(items[1]):
		return kindP2PKH
	case len(items) == 1:
		return kindP2PK
	}
	return kindP2SH
}

// p2shWitnessPush returns the scriptSig of a P2SH-wrapped witness program:
// one push of OP_0 and a push of the program.
func p2shWitnessPush(n byte, program []byte) []byte {
	return append([]byte{n + 2, 0, n}, program...)
}

func keyItem(it []byte) bool {
	t := itemType(it)
	return t == itemKey33 || t == itemKey65
}

// isControlBlock reports whether a witness element is a taproot control
// block for leaf version 0xc0 (BIP341/342 tapscript).
func isControlBlock(c []byte) bool {
	return len(c) >= 33 && (len(c)-33)%32 == 0 && len(c) <= 33+32*128 && c[0]&0xfe == 0xc0
}

// encodeInput codes one input of kind k; prev and prevKind are the
// previous input and its kind, or nil for the first.
func encodeInput(e *rcEncoder, in *wire.TxIn, k int, prev *wire.TxIn, prevKind int, lockZero bool) {
	if prev == nil {
		e.encodeSym(&tKind, k)
	} else if prevKind == k {
		e.encodeFlag(&fKindChange, false)
	} else {
		e.encodeFlag(&fKindChange, true)
		e.encodeSym(&tKind, k)
	}
	if k != kindCoinbase {
		e.encodeBytes(in.PreviousOutPoint.Hash[:])
		e.encodeNum(&tVout, uint64(in.PreviousOutPoint.Index))
	}
	encodeSequence(e, in.Sequence, prev, lockZero)
	encodeSpend(e, k, in)
}

// decodeInput decodes one input and returns it with its kind.
func decodeInput(d *txDecoder, prev *wire.TxIn, prevKind int, lockZero bool) (*wire.TxIn, int) {
	in := &wire.TxIn{}
	d.what = "kind"
	k := prevKind
	if prev == nil || d.decodeFlag(&fKindChange) {
		k = d.decodeSym(&tKind)
	}
	d.what = "prevout"
	if k == kindCoinbase {
		in.PreviousOutPoint.Index = 0xffffffff
	} else {
		d.decodeBytes(in.PreviousOutPoint.Hash[:])
		in.PreviousOutPoint.Index = uint32(d.decodeNum(&tVout))
	}
	d.what = "sequence"
	in.Sequence = decodeSequence(d, prev, lockZero)
	d.what = "scriptSig and witness"
	decodeSpend(d, k, in)
	return in, k
}

// encodeSequence codes the first input's sequence number in a table chosen
// by whether the lock time is zero, and each later one as the same as the
// previous input's or anew.
func encodeSequence(e *rcEncoder, seq uint32, prev *wire.TxIn, lockZero bool) {
	t := &tSequence[0]
	if !lockZero {
		t = &tSequence[1]
	}
	if prev != nil {
		if e.encodeFlag(&fSeqChange, seq != prev.Sequence); seq == prev.Sequence {
			return
		}
		t = &tSequence[2]
	}
	for i, s := range sequences {
		if s == seq {
			e.encodeSym(t, i)
			return
		}
	}
	e.encodeSym(t, len(sequences))
	e.encodeWide(seq, 32)
}

func decodeSequence(d *txDecoder, prev *wire.TxIn, lockZero bool) uint32 {
	t := &tSequence[0]
	if !lockZero {
		t = &tSequence[1]
	}
	if prev != nil {
		if !d.decodeFlag(&fSeqChange) {
			return prev.Sequence
		}
		t = &tSequence[2]
	}
	if i := d.decodeSym(t); i < len(sequences) {
		return sequences[i]
	}
	return d.decodeWide(32)
}

var inputKindNames = [inputKinds]string{
	"p2wpkh", "p2sh-p2wpkh", "p2tr-key", "p2pkh", "p2wsh", "p2sh-p2wsh",
	"p2sh", "p2tr-script", "p2pk", "coinbase", "other",
}

// InputKind names the template the transaction codec codes in the input
// with: p2wpkh, p2sh-p2wpkh, p2tr-key, p2pkh, p2wsh, p2sh-p2wsh, p2sh (any
// other pushes ending in a redeem script), p2tr-script, p2pk, coinbase or
// other (coded raw). It judges by the input alone, without the output it
// spends.
func InputKind(in *wire.TxIn) string { return inputKindNames[inputKind(in)] }
