package compress

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// Synthetic transactions of every shape the codec has a template for, and
// of the shapes it must code raw, built with real keys and signatures.
// Signature validity does not matter to the codec; realistic bytes do.

type txVector struct {
	name string
	tx   *wire.MsgTx
	ins  []int // expected inputKind of each input
	outs []int // expected outputKind of each output
}

func privKey(i int) (*btcec.PrivateKey, *btcec.PublicKey) {
	seed := sha256.Sum256([]byte(fmt.Sprintf("altnet test key %d", i)))
	return btcec.PrivKeyFromBytes(seed[:])
}

func msgHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// derSig returns a low-S DER signature by key i with the sighash byte.
func derSig(i int, hashType byte) []byte {
	priv, _ := privKey(i)
	return append(ecdsa.Sign(priv, msgHash(fmt.Sprint("msg", i, hashType))).Serialize(), hashType)
}

// highS returns sig with s replaced by n-s, still strict DER.
func highS(sig []byte) []byte {
	r, s, _ := splitDER(sig)
	var sv btcec.ModNScalar
	sv.SetByteSlice(s[:])
	sv.Negate()
	return buildDER(r, sv.Bytes(), sig[len(sig)-1])
}

// berSig returns sig with a redundant zero byte before r: valid BER, not
// strict DER.
func berSig(sig []byte) []byte {
	rl := int(sig[3])
	out := []byte{0x30, sig[1] + 1, 0x02, byte(rl + 1), 0x00}
	return append(out, sig[4:]...)
}

func schnorrSig(i int) []byte {
	priv, _ := privKey(i)
	s, err := schnorr.Sign(priv, msgHash(fmt.Sprint("taproot", i)))
	if err != nil {
		panic(err)
	}
	return s.Serialize()
}

func pubC(i int) []byte { _, p := privKey(i); return p.SerializeCompressed() }
func pubU(i int) []byte { _, p := privKey(i); return p.SerializeUncompressed() }
func pubX(i int) []byte { _, p := privKey(i); return schnorr.SerializePubKey(p) }

func outpoint(i int) wire.OutPoint {
	return wire.OutPoint{Hash: chainhash.HashH([]byte(fmt.Sprint("prev", i))), Index: uint32(i % 5)}
}

func script(b *txscript.ScriptBuilder) []byte {
	s, err := b.Script()
	if err != nil {
		panic(err)
	}
	return s
}

func pushes(items ...[]byte) []byte {
	b := txscript.NewScriptBuilder()
	for _, it := range items {
		b.AddData(it)
	}
	return script(b)
}

func multisig(m int, keys ...[]byte) []byte {
	b := txscript.NewScriptBuilder().AddInt64(int64(m))
	for _, k := range keys {
		b.AddData(k)
	}
	return script(b.AddInt64(int64(len(keys))).AddOp(txscript.OP_CHECKMULTISIG))
}

func p2pkhOut(key []byte) []byte {
	return script(txscript.NewScriptBuilder().AddOp(txscript.OP_DUP).AddOp(txscript.OP_HASH160).
		AddData(btcutil.Hash160(key)).AddOp(txscript.OP_EQUALVERIFY).AddOp(txscript.OP_CHECKSIG))
}

func p2shOut(redeem []byte) []byte {
	return script(txscript.NewScriptBuilder().AddOp(txscript.OP_HASH160).AddData(btcutil.Hash160(redeem)).AddOp(txscript.OP_EQUAL))
}

func witnessOut(version int, program []byte) []byte {
	op := byte(txscript.OP_0)
	if version > 0 {
		op = txscript.OP_1 + byte(version-1)
	}
	return append([]byte{op, byte(len(program))}, program...)
}

func wshOut(ws []byte) []byte { h := sha256.Sum256(ws); return witnessOut(0, h[:]) }

func newTx(version int32, lockTime uint32) *wire.MsgTx {
	tx := wire.NewMsgTx(version)
	tx.LockTime = lockTime
	return tx
}

func (v txVector) in(prev wire.OutPoint, seq uint32, sigScript []byte, witness ...[]byte) txVector {
	v.tx.AddTxIn(&wire.TxIn{PreviousOutPoint: prev, SignatureScript: sigScript, Witness: witness, Sequence: seq})
	return v
}

func (v txVector) out(value int64, pkScript []byte) txVector {
	v.tx.AddTxOut(wire.NewTxOut(value, pkScript))
	return v
}

func (v txVector) kinds(ins []int, outs ...int) txVector {
	v.ins, v.outs = ins, outs
	return v
}

// txVectors returns the synthetic transactions; together they use every
// input kind, output kind, item type and script template.
func txVectors() []txVector {
	var out []txVector
	add := func(v txVector) { out = append(out, v) }
	ms23 := multisig(2, pubC(1), pubC(2), pubC(3))
	commitment := append([]byte{0xaa, 0x21, 0xa9, 0xed}, msgHash("commitment")...)

	add(txVector{name: "coinbase with witness commitment", tx: newTx(2, 0)}.
		in(wire.OutPoint{Index: 0xffffffff}, 0xffffffff, pushes([]byte{0x40, 0xaa, 0x0c}, []byte("altnet")), make([]byte, 32)).
		out(312500000, witnessOut(0, btcutil.Hash160(pubC(1)))).
		out(0, append([]byte{txscript.OP_RETURN, 0x24}, commitment...)).
		kinds([]int{kindCoinbase}, outP2WPKH, outOpReturn))
	add(txVector{name: "P2PKH legacy", tx: newTx(1, 0)}.
		in(outpoint(1), 0xffffffff, pushes(derSig(1, 1), pubC(1))).
		in(outpoint(2), 0xffffffff, pushes(derSig(2, 1), pubC(2))).
		out(123456789, p2pkhOut(pubC(3))).out(50_000_000, p2shOut(ms23)).
		kinds([]int{kindP2PKH, kindP2PKH}, outP2PKH, outP2SH))
	add(txVector{name: "uncompressed P2PKH and P2PK, 2010 style", tx: newTx(1, 0)}.
		in(outpoint(3), 0xffffffff, pushes(derSig(3, 1), pubU(3))).
		in(outpoint(4), 0xffffffff, pushes(derSig(4, 1))).
		out(5_000_000_000, append(append([]byte{65}, pubU(5)...), txscript.OP_CHECKSIG)).
		out(1, append(append([]byte{33}, pubC(5)...), txscript.OP_CHECKSIG)).
		kinds([]int{kindP2PKH, kindP2PK}, outP2PK, outP2PK))
	add(txVector{name: "P2SH multisig to bare multisig", tx: newTx(1, 0)}.
		in(outpoint(5), 0xffffffff, pushes(nil, derSig(1, 1), derSig(2, 1), ms23)).
		in(outpoint(24), 0xffffffff, pushes(nil, derSig(6, 1))). // a bare multisig spend
		out(10_000, multisig(1, pubC(6), pubU(7))).out(546, p2pkhOut(pubC(8))).
		kinds([]int{kindP2SH, kindP2SH}, outMultisig, outP2PKH))
	add(txVector{name: "P2WPKH with lock time", tx: newTx(2, 830000)}.
		in(outpoint(6), 0xfffffffd, nil, derSig(6, 1), pubC(6)).
		out(87_654_321, witnessOut(0, btcutil.Hash160(pubC(9)))).out(2_000_000, wshOut(ms23)).
		kinds([]int{kindP2WPKH}, outP2WPKH, outP2WSH))
	add(txVector{name: "P2SH-P2WPKH", tx: newTx(1, 0)}.
		in(outpoint(7), 0xfffffffe, pushes(append([]byte{0, 20}, btcutil.Hash160(pubC(7))...)), derSig(7, 1), pubC(7)).
		out(99_990_000, p2shOut(ms23)).
		kinds([]int{kindP2SHP2WPKH}, outP2SH))
	wsh := sha256.Sum256(ms23)
	add(txVector{name: "P2WSH and P2SH-P2WSH multisig", tx: newTx(2, 0)}.
		in(outpoint(8), 0xffffffff, nil, nil, derSig(1, 1), derSig(3, 1), ms23).
		in(outpoint(9), 0xffffffff, pushes(append([]byte{0, 32}, wsh[:]...)), nil, derSig(2, 1), derSig(3, 1), ms23).
		out(1_234_000, wshOut(ms23)).
		kinds([]int{kindP2WSH, kindP2SHP2WSH}, outP2WSH))
	pkScript := append(append([]byte{33}, pubC(22)...), txscript.OP_CHECKSIG)
	add(txVector{name: "P2WSH and P2SH with keys in the stack", tx: newTx(2, 0)}.
		in(outpoint(22), 0xffffffff, nil, derSig(22, 1), pubC(23), pubU(24), append(schnorrSig(25), 0x01), pkScript).
		in(outpoint(23), 0xffffffff, pushes(derSig(22, 0x81), pkScript)).
		out(5_000, wshOut(pkScript)).
		kinds([]int{kindP2WSH, kindP2SH}, outP2WSH))
	add(txVector{name: "taproot key path, default and SINGLE|ANYONECANPAY", tx: newTx(2, 0)}.
		in(outpoint(10), 0xfffffffd, nil, schnorrSig(10)).
		in(outpoint(11), 0xfffffffd, nil, append(schnorrSig(11), 0x83)).
		out(330, witnessOut(1, pubX(12))).out(71_234, witnessOut(1, pubX(13))).
		kinds([]int{kindP2TRKey, kindP2TRKey}, outP2TR, outP2TR))
	leaf := script(txscript.NewScriptBuilder().AddData(pubX(14)).AddOp(txscript.OP_CHECKSIG))
	inscription := script(txscript.NewScriptBuilder().AddData(pubX(15)).AddOp(txscript.OP_CHECKSIG).
		AddOp(txscript.OP_FALSE).AddOp(txscript.OP_IF).AddData([]byte("ord")).AddOp(txscript.OP_1).
		AddData([]byte("text/plain;charset=utf-8")).AddOp(txscript.OP_0).AddData([]byte("hello from a hilltop")).
		AddOp(txscript.OP_ENDIF))
	add(txVector{name: "taproot script path, key leaf and inscription", tx: newTx(2, 0)}.
		in(outpoint(12), 0xfffffffd, nil, schnorrSig(14), leaf, append(append([]byte{0xc1}, pubX(16)...), msgHash("sibling")...)).
		in(outpoint(13), 0xfffffffd, nil, schnorrSig(15), inscription, append([]byte{0xc0}, pubX(17)...)).
		out(546, witnessOut(1, pubX(18))).
		kinds([]int{kindP2TRScript, kindP2TRScript}, outP2TR))
	add(txVector{name: "odd outputs", tx: newTx(3, 0)}.
		in(outpoint(14), 0xffffffff, nil, derSig(14, 1), pubC(14)).
		out(0, script(txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN).AddData([]byte("hello")))).
		out(0, []byte{txscript.OP_RETURN, txscript.OP_13, 0x03, 0x14, 0x01, 0x00}).
		out(1000, witnessOut(2, msgHash("v2 program"))).
		out(1000, witnessOut(16, []byte{0xbe, 0xef})).
		out(0, scriptP2A).
		out(4200, []byte{txscript.OP_TRUE}).
		out(3_000_000_000_000_000, witnessOut(0, make([]byte, 24))).
		kinds([]int{kindP2WPKH}, outOpReturn, outOpReturn, outWitness, outWitness, outAnchor, outRaw, outWitness))
	add(txVector{name: "non-canonical and high-S signatures, unusual sighash", tx: newTx(1, 500_000_001)}.
		in(outpoint(15), 0, pushes(berSig(derSig(15, 1)), pubC(15))).
		in(outpoint(16), 5, nil, highS(derSig(16, 1)), pubC(16)).
		in(outpoint(17), 0x12345678, nil, derSig(17, 0x02), pubC(17)).
		in(outpoint(18), 0x12345678, nil, derSig(18, 0xc3), pubC(18)).
		out(777, p2pkhOut(pubC(19))).
		kinds([]int{kindP2PKH, kindP2WPKH, kindP2WPKH, kindP2WPKH}, outP2PKH))
	add(txVector{name: "generic inputs: non-minimal push, annex, witness on a legacy input", tx: newTx(-7, 0xffffffff)}.
		in(outpoint(19), 0xffffffff, append([]byte{txscript.OP_PUSHDATA1, 72}, bytes.Repeat([]byte{0x5a}, 72)...)).
		in(outpoint(20), 0xffffffff, nil, schnorrSig(20), leaf, append([]byte{0xc0}, pubX(21)...), []byte{0x50, 1, 2, 3}).
		in(outpoint(21), 0xffffffff, []byte{txscript.OP_TRUE}, []byte{1}).
		in(wire.OutPoint{Hash: chainhash.HashH([]byte("x")), Index: 0xffffffff}, 0xffffffff, nil, make([]byte, 100_000)).
		out(-1, nil).
		kinds([]int{kindGeneric, kindP2WSH, kindGeneric, kindP2WSH}, outRaw))
	return out
}
