package compress

import (
	"bytes"

	"github.com/btcsuite/btcd/btcec/v2"
)

// Items are the byte strings a spending input provides: the pushes of a
// scriptSig and the elements of a witness. Each is coded by type, so that
// signatures and keys lose their framing and redundancy.

// Item types, the symbols of tItem.
const (
	itemEmpty    = iota
	itemDER      // ECDSA signature in strict DER plus a sighash byte
	itemBytes64  // 64 bytes: a BIP340 signature with the default sighash
	itemBytes65  // 64 bytes plus a non-default sighash byte
	itemKey33    // compressed public key
	itemKey65    // uncompressed public key on the curve
	itemBytes32  // 32 bytes (an x-only key, a hash or a preimage)
	itemOther    // length, then raw bytes
	itemTypes    // number of types
	itemContexts = 2
)

// Item contexts select the item-type table: where a signature is expected,
// and anywhere else.
const (
	ctxSig = iota
	ctxAny
)

// sighash bytes with their own symbol in tSighash and tSchnorrHash; any
// other byte is the last symbol followed by 8 raw bits.
var sighashes = [...]byte{0x01, 0x83, 0x81, 0x82, 0x02, 0x03}

func itemType(it []byte) int {
	n := len(it)
	switch {
	case n == 0:
		return itemEmpty
	case n >= 9 && n <= 73 && it[0] == 0x30 && isStrictDER(it):
		return itemDER
	case n == 33 && (it[0] == 2 || it[0] == 3):
		return itemKey33
	case n == 65 && it[0] == 4 && onCurve(it):
		return itemKey65
	case n == 64:
		return itemBytes64
	case n == 65:
		return itemBytes65
	case n == 32:
		return itemBytes32
	}
	return itemOther
}

func encodeItem(e *rcEncoder, ctx int, it []byte) {
	t := itemType(it)
	e.encodeSym(&tItem[ctx], t)
	switch t {
	case itemDER:
		encodeDER(e, it)
	case itemBytes64:
		e.encodeBytes(it)
	case itemBytes65:
		e.encodeBytes(it[:64])
		encodeSighash(e, &tSchnorrHash, it[64])
	case itemKey33, itemKey65:
		encodeKey(e, it)
	case itemBytes32:
		e.encodeBytes(it)
	case itemOther:
		e.encodeNum(&tItemLen, uint64(len(it)))
		e.encodeBytes(it)
	}
}

func decodeItem(d *txDecoder, ctx int) []byte {
	switch d.decodeSym(&tItem[ctx]) {
	case itemEmpty:
		return []byte{}
	case itemDER:
		return decodeDER(d)
	case itemBytes64:
		return d.rawBytes(64)
	case itemBytes65:
		b := d.rawBytes(64)
		return append(b, decodeSighash(d, &tSchnorrHash))
	case itemKey33:
		return decodeKey(d, false)
	case itemKey65:
		return decodeKey(d, true)
	case itemBytes32:
		return d.rawBytes(32)
	default:
		return d.rawBytes(d.decodeNum(&tItemLen))
	}
}

func encodeSighash(e *rcEncoder, t *table, h byte) {
	i := bytes.IndexByte(sighashes[:], h)
	if i < 0 {
		e.encodeSym(t, len(sighashes))
		e.encodeBits(uint32(h), 8)
		return
	}
	e.encodeSym(t, i)
}

func decodeSighash(d *txDecoder, t *table) byte {
	i := d.decodeSym(t)
	if i < len(sighashes) {
		return sighashes[i]
	}
	return byte(d.decodeBits(8))
}

// isStrictDER reports whether sig is a DER signature whose integers are in
// their shortest form and fit 32 bytes, followed by one sighash byte, so
// that encodeDER's two 32-byte integers rebuild it exactly.
func isStrictDER(sig []byte) bool {
	r, s, ok := splitDER(sig)
	return ok && bytes.Equal(buildDER(r, s, sig[len(sig)-1]), sig)
}

// splitDER returns the two integers of a DER signature, right-aligned in
// 32 bytes, without checking that their encoding is minimal.
func splitDER(sig []byte) (r, s [32]byte, ok bool) {
	n := len(sig)
	if n < 9 || sig[0] != 0x30 || int(sig[1]) != n-3 || sig[2] != 0x02 {
		return r, s, false
	}
	rl := int(sig[3])
	if 4+rl+2 > n-1 || sig[4+rl] != 0x02 {
		return r, s, false
	}
	sl := int(sig[5+rl])
	if 6+rl+sl != n-1 {
		return r, s, false
	}
	rb, sb := trimZeros(sig[4:4+rl]), trimZeros(sig[6+rl:6+rl+sl])
	if len(rb) > 32 || len(sb) > 32 {
		return r, s, false
	}
	copy(r[32-len(rb):], rb)
	copy(s[32-len(sb):], sb)
	return r, s, true
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// derInt returns the shortest DER content of the unsigned integer v.
func derInt(v []byte) []byte {
	v = trimZeros(v)
	if len(v) == 0 || v[0]&0x80 != 0 {
		return append([]byte{0}, v...)
	}
	return v
}

func buildDER(r, s [32]byte, hashType byte) []byte {
	ri, si := derInt(r[:]), derInt(s[:])
	sig := make([]byte, 0, 7+len(ri)+len(si))
	sig = append(sig, 0x30, byte(4+len(ri)+len(si)), 0x02, byte(len(ri)))
	sig = append(sig, ri...)
	sig = append(sig, 0x02, byte(len(si)))
	sig = append(sig, si...)
	return append(sig, hashType)
}

// encodeDER codes a strict DER signature as its integers r and s (the top
// bit of each with a model: low-R grinding and low-S make it mostly zero,
// then 255 raw bits) and its sighash byte.
func encodeDER(e *rcEncoder, sig []byte) {
	r, s, _ := splitDER(sig)
	encodeInt256(e, &fRHigh, &r)
	encodeInt256(e, &fSHigh, &s)
	encodeSighash(e, &tSighash, sig[len(sig)-1])
}

func decodeDER(d *txDecoder) []byte {
	if !d.grow(73) {
		return nil
	}
	var r, s [32]byte
	decodeInt256(d, &fRHigh, &r)
	decodeInt256(d, &fSHigh, &s)
	return buildDER(r, s, decodeSighash(d, &tSighash))
}

func encodeInt256(e *rcEncoder, f *flagTable, v *[32]byte) {
	e.encodeFlag(f, v[0]&0x80 != 0)
	e.encodeBits(uint32(v[0]&0x7f), 7)
	e.encodeBytes(v[1:])
}

func decodeInt256(d *txDecoder, f *flagTable, v *[32]byte) {
	var top byte
	if d.decodeFlag(f) {
		top = 0x80
	}
	v[0] = top | byte(d.decodeBits(7))
	d.decodeBytes(v[1:])
}

// onCurve reports whether the 65-byte uncompressed key lies on secp256k1
// and re-serializes to itself.
func onCurve(key []byte) bool {
	pk, err := btcec.ParsePubKey(key)
	return err == nil && bytes.Equal(pk.SerializeUncompressed(), key)
}

// encodeKey codes a compressed key or an uncompressed key on the curve as
// the parity of y (one bit) and x (32 raw bytes); the caller has coded
// which of the two it is.
func encodeKey(e *rcEncoder, key []byte) {
	parity := key[0] & 1
	if len(key) == 65 {
		parity = key[64] & 1
	}
	e.encodeBits(uint32(parity), 1)
	e.encodeBytes(key[1:33])
}

func decodeKey(d *txDecoder, uncompressed bool) []byte {
	if !d.grow(65) {
		return nil
	}
	key := make([]byte, 33)
	key[0] = 2 | byte(d.decodeBits(1))
	d.decodeBytes(key[1:])
	if !uncompressed || d.err != nil {
		return key
	}
	pk, err := btcec.ParsePubKey(key)
	if err != nil {
		d.fail(ErrCorrupt) // x is not on the curve
		return nil
	}
	return pk.SerializeUncompressed()
}

// pushItems parses a script made only of pushes in their minimal form
// (BIP62 MINIMALDATA) into the pushed items; ok is false for any other
// script, including a push that is not the shortest for its data.
func pushItems(script []byte) (items [][]byte, ok bool) {
	for i := 0; i < len(script); {
		item, n := parsePush(script[i:])
		if n == 0 {
			return nil, false
		}
		items = append(items, item)
		i += n
	}
	return items, bytes.Equal(buildPushes(items), script)
}

// parsePush returns the data of the push at the start of s and its length
// in bytes, or n == 0 when s does not start with a complete push.
func parsePush(s []byte) (data []byte, n int) {
	op := s[0]
	var l, hdr int
	switch {
	case op == 0:
		return []byte{}, 1
	case op <= 75:
		l, hdr = int(op), 1
	case op == 0x4c && len(s) >= 2:
		l, hdr = int(s[1]), 2
	case op == 0x4d && len(s) >= 3:
		l, hdr = int(s[1])|int(s[2])<<8, 3
	case op == 0x4e && len(s) >= 5:
		l, hdr = int(s[1])|int(s[2])<<8|int(s[3])<<16|int(s[4])<<24, 5
	case op == 0x4f:
		return []byte{0x81}, 1
	case op >= 0x51 && op <= 0x60:
		return []byte{op - 0x50}, 1
	default:
		return nil, 0
	}
	if l < 0 || hdr+l > len(s) {
		return nil, 0
	}
	return s[hdr : hdr+l], hdr + l
}

// buildPushes returns the script that pushes items, each in its minimal
// form.
func buildPushes(items [][]byte) []byte {
	var s []byte
	for _, it := range items {
		s = appendPush(s, it)
	}
	return s
}

func appendPush(s, it []byte) []byte {
	n := len(it)
	switch {
	case n == 0:
		return append(s, 0)
	case n == 1 && it[0] >= 1 && it[0] <= 16:
		return append(s, 0x50+it[0])
	case n == 1 && it[0] == 0x81:
		return append(s, 0x4f)
	case n <= 75:
		s = append(s, byte(n))
	case n <= 0xff:
		s = append(s, 0x4c, byte(n))
	case n <= 0xffff:
		s = append(s, 0x4d, byte(n), byte(n>>8))
	default:
		s = append(s, 0x4e, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	return append(s, it...)
}
