package compress

import (
	"bytes"

	"github.com/btcsuite/btcd/wire"
)

// Output script kinds, the symbols of tOutput.
const (
	outP2WPKH   = iota // OP_0 <20>
	outP2PKH           // OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG
	outP2TR            // OP_1 <32>
	outP2SH            // OP_HASH160 <20> OP_EQUAL
	outP2WSH           // OP_0 <32>
	outOpReturn        // OP_RETURN, then raw bytes
	outP2PK            // <key> OP_CHECKSIG, compressed or uncompressed
	outMultisig        // bare multisig
	outWitness         // any other witness program: version, length, program
	outAnchor          // OP_1 <0x4e73>, pay-to-anchor
	outRaw             // length, raw bytes
	outputKinds
)

// fixed template bytes around the variable part of an output script.
var (
	prefixP2PKH = []byte{0x76, 0xa9, 0x14}
	suffixP2PKH = []byte{0x88, 0xac}
	scriptP2A   = []byte{0x51, 0x02, 0x4e, 0x73}
)

func outputKind(s []byte) int {
	n := len(s)
	switch {
	case n == 22 && s[0] == 0 && s[1] == 20:
		return outP2WPKH
	case n == 25 && bytes.HasPrefix(s, prefixP2PKH) && bytes.HasSuffix(s, suffixP2PKH):
		return outP2PKH
	case n == 34 && s[0] == op1 && s[1] == 32:
		return outP2TR
	case n == 23 && s[0] == 0xa9 && s[1] == 20 && s[22] == 0x87:
		return outP2SH
	case n == 34 && s[0] == 0 && s[1] == 32:
		return outP2WSH
	case n >= 1 && s[0] == 0x6a:
		return outOpReturn
	case (n == 35 || n == 67) && int(s[0]) == n-2 && s[n-1] == opCheckSig && keyItem(s[1:n-1]):
		return outP2PK
	case isMultisig(s):
		return outMultisig
	case bytes.Equal(s, scriptP2A):
		return outAnchor
	case n >= 4 && n <= 42 && (s[0] == 0 || s[0] >= op1 && s[0] <= op16) && int(s[1]) == n-2:
		return outWitness
	}
	return outRaw
}

func encodeOutput(e *rcEncoder, out *wire.TxOut) {
	s := out.PkScript
	k := outputKind(s)
	e.encodeSym(&tOutput, k)
	encodeAmount(e, amountClass(k), out.Value)
	switch k {
	case outP2WPKH, outP2SH, outP2WSH, outP2TR:
		e.encodeBytes(s[2 : 2+s[1]])
	case outP2PKH:
		e.encodeBytes(s[3:23])
	case outOpReturn:
		e.encodeNum(&tOpReturnLen, uint64(len(s)-1))
		e.encodeBytes(s[1:])
	case outP2PK:
		e.encodeFlag(&fUncompressed, len(s) == 67)
		encodeKey(e, s[1:len(s)-1])
	case outMultisig:
		encodeMultisig(e, s)
	case outWitness:
		e.encodeBits(uint32(witnessVersion(s[0])), 5)
		e.encodeBits(uint32(len(s)-4), 6)
		e.encodeBytes(s[2:])
	case outRaw:
		e.encodeNum(&tOutputLen, uint64(len(s)))
		e.encodeBytes(s)
	}
}

func witnessVersion(op byte) int {
	if op == 0 {
		return 0
	}
	return int(op-op1) + 1
}

func decodeOutput(d *txDecoder) *wire.TxOut {
	out := &wire.TxOut{}
	d.what = "kind"
	k := d.decodeSym(&tOutput)
	d.what = "amount"
	out.Value = decodeAmount(d, amountClass(k))
	d.what = "script"
	var s []byte
	switch k {
	case outP2WPKH:
		s = append([]byte{0, 20}, d.rawBytes(20)...)
	case outP2SH:
		s = append(append([]byte{0xa9, 20}, d.rawBytes(20)...), 0x87)
	case outP2WSH:
		s = append([]byte{0, 32}, d.rawBytes(32)...)
	case outP2TR:
		s = append([]byte{op1, 32}, d.rawBytes(32)...)
	case outP2PKH:
		s = append(append(append([]byte{}, prefixP2PKH...), d.rawBytes(20)...), suffixP2PKH...)
	case outOpReturn:
		s = append([]byte{0x6a}, d.rawBytes(d.decodeNum(&tOpReturnLen))...)
	case outP2PK:
		key := decodeKey(d, d.decodeFlag(&fUncompressed))
		s = append(append([]byte{byte(len(key))}, key...), opCheckSig)
	case outMultisig:
		s = decodeMultisig(d)
	case outWitness:
		v := byte(d.decodeBits(5))
		if v > 16 {
			d.fail(ErrCorrupt)
			return out
		}
		if v > 0 {
			v += op1 - 1
		}
		n := d.decodeBits(6) + 2
		s = append([]byte{v, byte(n)}, d.rawBytes(uint64(n))...)
	case outAnchor:
		s = append([]byte{}, scriptP2A...)
	default:
		s = d.rawBytes(d.decodeNum(&tOutputLen))
	}
	d.grow(uint64(len(s)))
	out.PkScript = s
	return out
}

// Amount classes select the amount table by output kind.
const (
	amountOpReturn = iota
	amountTaproot
	amountOther
	amountClasses
)

func amountClass(kind int) int {
	switch kind {
	case outOpReturn:
		return amountOpReturn
	case outP2TR:
		return amountTaproot
	}
	return amountOther
}

// Amounts: common values have a symbol each in tAmount; any other
// non-negative value v is 10^e * m with m not a multiple of ten, coded as
// the symbol for e followed by m in tMantissa; a negative value (invalid,
// but parseable) is the last symbol followed by 64 raw bits.
var commonAmounts = [...]int64{0, 546, 330, 294}

const (
	maxTens      = 18 // 10^18 < 2^63
	amountEscape = len(commonAmounts) + maxTens + 1
)

func encodeAmount(e *rcEncoder, class int, v int64) {
	for i, c := range commonAmounts {
		if v == c {
			e.encodeSym(&tAmount[class], i)
			return
		}
	}
	if v < 0 {
		e.encodeSym(&tAmount[class], amountEscape)
		e.encodeLong(uint64(v), 64)
		return
	}
	tens := 0
	for v%10 == 0 {
		v /= 10
		tens++
	}
	e.encodeSym(&tAmount[class], len(commonAmounts)+tens)
	e.encodeNum(&tMantissa[min(tens, len(tMantissa)-1)], uint64(v))
}

func decodeAmount(d *txDecoder, class int) int64 {
	s := d.decodeSym(&tAmount[class])
	switch {
	case s < len(commonAmounts):
		return commonAmounts[s]
	case s == amountEscape:
		return int64(d.decodeLong(64))
	}
	tens := s - len(commonAmounts)
	m := d.decodeNum(&tMantissa[min(tens, len(tMantissa)-1)])
	for range tens {
		m *= 10
	}
	return int64(m)
}

var outputKindNames = [outputKinds]string{
	"p2wpkh", "p2pkh", "p2tr", "p2sh", "p2wsh", "op_return", "p2pk",
	"multisig", "witness-unknown", "anchor", "other",
}

// OutputKind names the template the transaction codec codes an output
// script with: p2wpkh, p2pkh, p2tr, p2sh, p2wsh, op_return, p2pk, multisig
// (bare), witness-unknown (another witness version or length), anchor
// (pay-to-anchor) or other (coded raw).
func OutputKind(pkScript []byte) string { return outputKindNames[outputKind(pkScript)] }
