package compress

import (
	"crypto/sha256"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/wire"
)

// encodeSpend codes an input's scriptSig and witness in the shape of its
// kind (see inputKind).
func encodeSpend(e *rcEncoder, k int, in *wire.TxIn) {
	w, ss := in.Witness, in.SignatureScript
	switch k {
	case kindP2WPKH, kindP2SHP2WPKH:
		encodeItem(e, ctxSig, w[0])
		encodeKey(e, w[1])
	case kindP2TRKey:
		e.encodeFlag(&fSchnorrHash, len(w[0]) == 65)
		e.encodeBytes(w[0][:64])
		if len(w[0]) == 65 {
			encodeSighash(e, &tSchnorrHash, w[0][64])
		}
	case kindP2PKH:
		items, _ := pushItems(ss)
		encodeItem(e, ctxSig, items[0])
		e.encodeFlag(&fUncompressed, len(items[1]) == 65)
		encodeKey(e, items[1])
	case kindP2PK:
		items, _ := pushItems(ss)
		encodeItem(e, ctxSig, items[0])
	case kindP2WSH, kindP2SHP2WSH:
		encodeItems(e, &tWitCount, w[:len(w)-1])
		encodeScript(e, scriptWitness, w[len(w)-1])
	case kindP2SH:
		items, _ := pushItems(ss)
		encodeItems(e, &tPushCount, items[:len(items)-1])
		encodeScript(e, scriptRedeem, items[len(items)-1])
	case kindP2TRScript:
		encodeItems(e, &tWitCount, w[:len(w)-2])
		encodeScript(e, scriptTap, w[len(w)-2])
		c := w[len(w)-1]
		e.encodeBits(uint32(c[0]&1), 1)
		e.encodeNum(&tCtrlDepth, uint64(len(c)-33)/32)
		e.encodeBytes(c[1:])
	default: // kindCoinbase, kindGeneric
		e.encodeNum(&tScriptLen[scriptSigRaw], uint64(len(ss)))
		e.encodeBytes(ss)
		encodeItems(e, &tWitCount, w)
	}
}

func decodeSpend(d *txDecoder, k int, in *wire.TxIn) {
	switch k {
	case kindP2WPKH, kindP2SHP2WPKH:
		sig := decodeItem(d, ctxSig)
		key := decodeKey(d, false)
		in.Witness = wire.TxWitness{sig, key}
		if k == kindP2SHP2WPKH {
			in.SignatureScript = p2shWitnessPush(0x14, btcutil.Hash160(key))
		}
	case kindP2TRKey:
		long := d.decodeFlag(&fSchnorrHash)
		sig := d.rawBytes(64)
		if long {
			sig = append(sig, decodeSighash(d, &tSchnorrHash))
		}
		in.Witness = wire.TxWitness{sig}
	case kindP2PKH:
		sig := decodeItem(d, ctxSig)
		key := decodeKey(d, d.decodeFlag(&fUncompressed))
		in.SignatureScript = buildPushes([][]byte{sig, key})
	case kindP2PK:
		in.SignatureScript = buildPushes([][]byte{decodeItem(d, ctxSig)})
	case kindP2WSH, kindP2SHP2WSH:
		in.Witness = append(decodeItems(d, &tWitCount), decodeScript(d, scriptWitness))
		if k == kindP2SHP2WSH {
			h := sha256.Sum256(in.Witness[len(in.Witness)-1])
			in.SignatureScript = p2shWitnessPush(0x20, h[:])
		}
	case kindP2SH:
		items := append(decodeItems(d, &tPushCount), decodeScript(d, scriptRedeem))
		in.SignatureScript = buildPushes(items)
	case kindP2TRScript:
		in.Witness = append(decodeItems(d, &tWitCount), decodeScript(d, scriptTap), decodeControl(d))
	default:
		in.SignatureScript = d.rawBytes(d.decodeNum(&tScriptLen[scriptSigRaw]))
		in.Witness = decodeItems(d, &tWitCount)
	}
}

func decodeControl(d *txDecoder) []byte {
	leaf := 0xc0 | byte(d.decodeBits(1))
	depth := d.decodeNum(&tCtrlDepth)
	if depth > 128 {
		d.fail(ErrCorrupt)
		return nil
	}
	return append([]byte{leaf}, d.rawBytes(32+32*depth)...)
}

func encodeItems(e *rcEncoder, count *numTable, items [][]byte) {
	e.encodeNum(count, uint64(len(items)))
	for _, it := range items {
		encodeItem(e, ctxAny, it)
	}
}

func decodeItems(d *txDecoder, count *numTable) [][]byte {
	n := d.decodeNum(count)
	var items [][]byte
	for i := uint64(0); i < n && d.grow(1); i++ {
		items = append(items, decodeItem(d, ctxAny))
	}
	return items
}
