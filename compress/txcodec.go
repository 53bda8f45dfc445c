package compress

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/wire"
)

// MaxTxSize is the largest transaction the codec decodes, in serialized
// bytes: a transaction cannot weigh more than a block's 4,000,000 weight
// units, and every byte weighs at least one.
const MaxTxSize = 4_000_000

// ErrNotTx reports bytes given to EncodeTx that are not one transaction in
// consensus serialization.
var ErrNotTx = errors.New("not a serialized transaction")

// EncodeTx appends the compressed form of the serialized transaction raw to
// dst. Decoding needs nothing but the result. It fails only when raw is not
// a transaction that btcd's wire package parses with nothing left over; any
// transaction that fits no template is coded in the literal form.
func EncodeTx(dst, raw []byte) ([]byte, error) {
	return encodeTx(dst, raw, nil)
}

// EncodeMsgTx is EncodeTx for a parsed transaction: it encodes tx's
// serialization (with witness data when tx has any).
func EncodeMsgTx(dst []byte, tx *wire.MsgTx) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(tx.SerializeSize())
	if err := tx.Serialize(&buf); err != nil {
		return dst, fmt.Errorf("compress: serialize transaction: %w", err)
	}
	return encodeTx(dst, buf.Bytes(), nil)
}

// encodeTx is EncodeTx with an optional tally of the static-table symbols.
func encodeTx(dst, raw []byte, e *rcEncoder) ([]byte, error) {
	var tx wire.MsgTx
	rd := bytes.NewReader(raw)
	if err := tx.Deserialize(rd); err != nil {
		return dst, fmt.Errorf("compress: %w: %v", ErrNotTx, err)
	}
	if rd.Len() != 0 {
		return dst, fmt.Errorf("compress: %w: %d bytes after the transaction", ErrNotTx, rd.Len())
	}
	if len(raw) > MaxTxSize {
		return dst, fmt.Errorf("compress: transaction of %d bytes: %w", len(raw), ErrTooLarge)
	}
	if e == nil {
		e = newEncoder(dst)
	} else {
		e.out = dst
	}
	literal := !bytes.Equal(serializeTx(&tx), raw)
	e.encodeFlag(&fLiteral, literal)
	if literal {
		e.encodeNum(&tTxLen, uint64(len(raw)))
		e.encodeBytes(raw)
	} else {
		encodeTxBody(e, &tx)
	}
	return e.finish(), nil
}

// DecodeTx decodes a transaction written by EncodeTx and returns its
// serialization. Every failure is a *FormatError. The decoder allocates
// nothing beyond the transaction it builds, which MaxTxSize bounds; it
// accepts only the exact bytes EncodeTx makes, so every transaction has one
// encoding.
func DecodeTx(b []byte) ([]byte, error) {
	d := &txDecoder{rcDecoder: newDecoder(b, 0)}
	d.what = "transaction form"
	var raw []byte
	if d.decodeFlag(&fLiteral) {
		d.what = "literal transaction"
		raw = d.rawBytes(d.decodeNum(&tTxLen))
	} else if tx := decodeTxBody(d); d.err == nil {
		raw = serializeTx(tx)
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	again, err := EncodeTx(make([]byte, 0, len(b)), raw)
	if err != nil {
		return nil, formatErr(0, "decoded transaction", fmt.Errorf("%w: %v", ErrCorrupt, err))
	}
	if !bytes.Equal(again, b) {
		return nil, formatErr(firstDiff(again, b), "transaction encoding", ErrTrailing)
	}
	return raw, nil
}

// DecodeMsgTx is DecodeTx returning the parsed transaction.
func DecodeMsgTx(b []byte) (*wire.MsgTx, error) {
	raw, err := DecodeTx(b)
	if err != nil {
		return nil, err
	}
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, formatErr(0, "decoded transaction", fmt.Errorf("%w: %v", ErrCorrupt, err))
	}
	return &tx, nil
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func serializeTx(tx *wire.MsgTx) []byte {
	var buf bytes.Buffer
	buf.Grow(tx.SerializeSize())
	_ = tx.Serialize(&buf) // a bytes.Buffer does not fail
	return buf.Bytes()
}

// encodeTxBody codes a transaction that btcd serializes back exactly.
func encodeTxBody(e *rcEncoder, tx *wire.MsgTx) {
	switch tx.Version {
	case 2:
		e.encodeSym(&tVersion, 0)
	case 1:
		e.encodeSym(&tVersion, 1)
	default:
		e.encodeSym(&tVersion, 2)
		e.encodeWide(uint32(tx.Version), 32)
	}
	e.encodeNum(&tInCount, uint64(len(tx.TxIn)))
	e.encodeNum(&tOutCount, uint64(len(tx.TxOut)))
	e.encodeNum(&tLockTime, uint64(tx.LockTime))
	var prev *wire.TxIn
	prevKind := 0
	for _, in := range tx.TxIn {
		k := inputKind(in)
		encodeInput(e, in, k, prev, prevKind, tx.LockTime == 0)
		prev, prevKind = in, k
	}
	for _, out := range tx.TxOut {
		encodeOutput(e, out)
	}
}

// txDecoder is a range decoder that also keeps the decoded transaction
// within MaxTxSize and every raw field within what the input can hold.
type txDecoder struct {
	*rcDecoder
	size int // serialized bytes accounted for so far
}

// grow accounts for n more serialized bytes and reports whether they fit.
func (d *txDecoder) grow(n uint64) bool {
	if d.err != nil {
		return false
	}
	if n > MaxTxSize || d.size+int(n) > MaxTxSize {
		d.fail(ErrTooLarge)
		return false
	}
	d.size += int(n)
	return true
}

// rawBytes reads n raw bytes. Each raw byte takes a byte of input, so n is
// checked against the input left before anything is allocated.
func (d *txDecoder) rawBytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if left := len(d.in) - d.pos + 4; n > uint64(max(left, 0)) {
		d.fail(ErrTruncated)
		return nil
	}
	if !d.grow(n) {
		return nil
	}
	b := make([]byte, n)
	d.decodeBytes(b)
	return b
}

func decodeTxBody(d *txDecoder) *wire.MsgTx {
	tx := &wire.MsgTx{}
	d.what = "transaction version"
	switch d.decodeSym(&tVersion) {
	case 0:
		tx.Version = 2
	case 1:
		tx.Version = 1
	default:
		tx.Version = int32(d.decodeWide(32))
	}
	d.what = "input and output counts"
	nin := d.decodeNum(&tInCount)
	nout := d.decodeNum(&tOutCount)
	d.what = "lock time"
	tx.LockTime = uint32(d.decodeNum(&tLockTime))
	d.grow(10)
	var prev *wire.TxIn
	prevKind := 0
	for i := uint64(0); i < nin && d.grow(41); i++ {
		d.unit, d.index = "input", int(i)
		in, k := decodeInput(d, prev, prevKind, tx.LockTime == 0)
		tx.TxIn = append(tx.TxIn, in)
		prev, prevKind = in, k
	}
	for i := uint64(0); i < nout && d.grow(9); i++ {
		d.unit, d.index = "output", int(i)
		tx.TxOut = append(tx.TxOut, decodeOutput(d))
	}
	return tx
}
