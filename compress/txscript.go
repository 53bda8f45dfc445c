package compress

// Scripts that an input reveals (witness scripts, redeem scripts,
// tapscripts) are coded by template; what fits none is raw.

// Script contexts: each has its own template table tScript and length
// table tScriptLen.
const (
	scriptWitness = iota // P2WSH witness script
	scriptRedeem         // P2SH redeem script
	scriptTap            // tapscript leaf
	scriptSigRaw         // a raw scriptSig (tScriptLen only)
	scriptContexts
)

// Script templates, the symbols of tScript.
const (
	scriptMultisig  = iota // OP_m <keys> OP_n OP_CHECKMULTISIG
	scriptPK               // <key33> OP_CHECKSIG
	scriptXOnly            // <32 bytes> OP_CHECKSIG
	scriptXOnlyThen        // <32 bytes> OP_CHECKSIG, then raw bytes
	scriptRaw              // length, raw bytes
	scriptTemplates
)

const (
	opCheckSig      = 0xac
	opCheckMultisig = 0xae
	op1             = 0x51
	op16            = 0x60
)

func scriptTemplate(s []byte) int {
	switch {
	case isMultisig(s):
		return scriptMultisig
	case len(s) == 35 && s[0] == 33 && (s[1] == 2 || s[1] == 3) && s[34] == opCheckSig:
		return scriptPK
	case len(s) == 34 && s[0] == 32 && s[33] == opCheckSig:
		return scriptXOnly
	case len(s) > 34 && s[0] == 32 && s[33] == opCheckSig:
		return scriptXOnlyThen
	}
	return scriptRaw
}

func encodeScript(e *rcEncoder, ctx int, s []byte) {
	t := scriptTemplate(s)
	e.encodeSym(&tScript[ctx], t)
	switch t {
	case scriptMultisig:
		encodeMultisig(e, s)
	case scriptPK:
		encodeKey(e, s[1:34])
	case scriptXOnly:
		e.encodeBytes(s[1:33])
	case scriptXOnlyThen:
		e.encodeBytes(s[1:33])
		e.encodeNum(&tScriptLen[ctx], uint64(len(s)-34))
		e.encodeBytes(s[34:])
	default:
		e.encodeNum(&tScriptLen[ctx], uint64(len(s)))
		e.encodeBytes(s)
	}
}

func decodeScript(d *txDecoder, ctx int) []byte {
	switch d.decodeSym(&tScript[ctx]) {
	case scriptMultisig:
		return decodeMultisig(d)
	case scriptPK:
		return append(append([]byte{33}, decodeKey(d, false)...), opCheckSig)
	case scriptXOnly:
		return append(append([]byte{32}, d.rawBytes(32)...), opCheckSig)
	case scriptXOnlyThen:
		s := append(append([]byte{32}, d.rawBytes(32)...), opCheckSig)
		return append(s, d.rawBytes(d.decodeNum(&tScriptLen[ctx]))...)
	default:
		return d.rawBytes(d.decodeNum(&tScriptLen[ctx]))
	}
}

// isMultisig reports whether s is OP_m, n pushed keys (compressed, or
// uncompressed on the curve), OP_n, OP_CHECKMULTISIG, with m and n in
// 1..16 and n the number of keys.
func isMultisig(s []byte) bool {
	if len(s) < 3 || s[0] < op1 || s[0] > op16 || s[len(s)-1] != opCheckMultisig {
		return false
	}
	n := 0
	i := 1
	for i < len(s)-2 {
		l := int(s[i])
		if (l != 33 && l != 65) || i+1+l > len(s)-2 || !keyItem(s[i+1:i+1+l]) {
			return false
		}
		i += 1 + l
		n++
	}
	return i == len(s)-2 && int(s[i]) == op1-1+n && n >= 1
}

// encodeMultisig codes m and n as a pair from tMultisig (the last symbol
// escapes to 4 raw bits each), then per key whether it is uncompressed and
// the key itself.
func encodeMultisig(e *rcEncoder, s []byte) {
	m, n := int(s[0]-op1+1), int(s[len(s)-2]-op1+1)
	pair := len(multisigPairs)
	for i, p := range multisigPairs {
		if p == [2]int{m, n} {
			pair = i
		}
	}
	e.encodeSym(&tMultisig, pair)
	if pair == len(multisigPairs) {
		e.encodeBits(uint32(m-1), 4)
		e.encodeBits(uint32(n-1), 4)
	}
	for i := 1; i < len(s)-2; i += 1 + int(s[i]) {
		e.encodeFlag(&fUncompressed, s[i] == 65)
		encodeKey(e, s[i+1:i+1+int(s[i])])
	}
}

// multisigPairs are the (m, n) pairs with their own symbol in tMultisig.
var multisigPairs = [...][2]int{{2, 3}, {2, 2}, {1, 1}, {1, 2}, {3, 4}, {3, 5}, {2, 4}, {1, 3}, {4, 6}, {3, 3}}

func decodeMultisig(d *txDecoder) []byte {
	m, n := 0, 0
	if pair := d.decodeSym(&tMultisig); pair < len(multisigPairs) {
		m, n = multisigPairs[pair][0], multisigPairs[pair][1]
	} else {
		m, n = int(d.decodeBits(4))+1, int(d.decodeBits(4))+1
	}
	s := []byte{byte(op1 - 1 + m)}
	for i := 0; i < n && d.err == nil; i++ {
		key := decodeKey(d, d.decodeFlag(&fUncompressed))
		s = append(append(s, byte(len(key))), key...)
	}
	return append(s, byte(op1-1+n), opCheckMultisig)
}
