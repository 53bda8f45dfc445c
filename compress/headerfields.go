package compress

import "math/bits"

// The field codes of form (a), encoder and decoder side by side. Each field
// is coded against the model, which the caller then updates with push.

// bitsMissFreq out of bitsTotal is the fixed probability that nBits differs
// from the prediction.
const (
	bitsMissFreq = 1
	bitsTotal    = 4096
)

// header is the fields of a header that form (a) codes.
type header struct {
	version, time, bits, nonce uint32
	merkle                     [32]byte
}

func (m *headerModel) encodeHeader(e *rcEncoder, h *header, predBits uint32) {
	m.encodeVersion(e, h.version)
	m.encodeTime(e, int64(h.time)-int64(m.last().time))
	if h.bits == predBits {
		e.encode(0, bitsTotal-bitsMissFreq, bitsTotal)
	} else {
		e.encode(bitsTotal-bitsMissFreq, bitsMissFreq, bitsTotal)
		e.encodeWide(h.bits, 32)
	}
	e.encodeBytes(h.merkle[:])
	for b := 31; b >= 0; b-- {
		e.encodeBit(&m.nonce[b], h.nonce>>uint(b)&1)
	}
}

// decodeHeader is the inverse of encodeHeader; d.err reports failure.
func (m *headerModel) decodeHeader(d *rcDecoder, h *header, predBits uint32) {
	d.what = "version"
	h.version = m.decodeVersion(d)
	d.what = "time"
	t := int64(m.last().time) + m.decodeTime(d)
	if t < 0 || t > 0xFFFFFFFF {
		d.fail(ErrCorrupt)
	}
	h.time = uint32(t)
	d.what = "bits"
	h.bits = predBits
	if d.decodeFreq(bitsTotal) >= bitsTotal-bitsMissFreq {
		d.update(bitsTotal-bitsMissFreq, bitsMissFreq)
		if h.bits = d.decodeWide(32); h.bits == predBits {
			d.fail(ErrCorrupt) // an escape for the predicted value
		}
	} else {
		d.update(0, bitsTotal-bitsMissFreq)
	}
	d.what = "merkle root"
	d.decodeBytes(h.merkle[:])
	d.what = "nonce"
	h.nonce = 0
	for b := 31; b >= 0; b-- {
		h.nonce |= d.decodeBit(&m.nonce[b]) << uint(b)
	}
}

// packBase squeezes the 16 version bits outside the rolled field into 16
// bits: bits 0..12 stay, bits 29..31 become 13..15.
func packBase(base uint32) uint32 { return base&0x1fff | base>>29<<13 }

func unpackBase(p uint32) uint32 { return p&0x1fff | p>>13<<29 }

func (m *headerModel) encodeVersion(e *rcEncoder, v uint32) {
	base := v &^ rolledMask
	f := m.slotFreqs()
	s := m.findSlot(base)
	if s < 0 {
		s = baseSlots
	}
	var start, total uint32
	for i, x := range f {
		if i < s {
			start += x
		}
		total += x
	}
	e.encode(start, f[s], total)
	if s == baseSlots {
		e.encodeBits(packBase(base), 16)
	}
	x := (v & rolledMask) >> rolledShift
	sym, l, tz := rolledSymbol(x)
	e.encodeSymbol(&m.rolled, sym)
	ones := 1
	for b := l - 2; b > tz; b-- {
		bit := x >> uint(b) & 1
		e.encodeBit(&m.mid[l][b][ones], bit)
		ones &= int(bit)
	}
}

func (m *headerModel) decodeVersion(d *rcDecoder) uint32 {
	f := m.slotFreqs()
	var total uint32
	for _, x := range f {
		total += x
	}
	v := d.decodeFreq(total)
	var base, start uint32
	for i, x := range f {
		if v >= start+x {
			start += x
			continue
		}
		d.update(start, x)
		if i < baseSlots {
			base = m.slots[i].base
		} else if base = unpackBase(d.decodeBits(16)); m.findSlot(base) >= 0 {
			d.fail(ErrCorrupt) // an escape for a base that has a slot
		}
		break
	}
	l, tz := symbolRolled(d.decodeSymbol(&m.rolled))
	var x uint32
	if l > 0 {
		x = 1<<uint(l-1) | 1<<uint(tz)
	}
	ones := 1
	for b := l - 2; b > tz; b-- {
		bit := d.decodeBit(&m.mid[l][b][ones])
		x |= bit << uint(b)
		ones &= int(bit)
	}
	return base | x<<rolledShift
}

func (m *headerModel) encodeTime(e *rcEncoder, dt int64) {
	sym, mag := timeSymbol(dt)
	e.encodeSymbol(&m.tsym, sym)
	l := bits.Len64(mag)
	prefix := 1
	i := 0
	for ; i < timeModelled && l-2-i >= 0; i++ {
		bit := uint32(mag>>uint(l-2-i)) & 1
		e.encodeBit(&m.tman[sym][prefix], bit)
		prefix = prefix<<1 | int(bit)
	}
	if rest := l - 1 - i; rest > 0 {
		e.encodeWide(uint32(mag)&(1<<uint(rest)-1), uint(rest))
	}
}

func (m *headerModel) decodeTime(d *rcDecoder) int64 {
	sym := d.decodeSymbol(&m.tsym)
	if sym == 0 {
		return 0
	}
	l := sym
	if sym > 32 {
		l = sym - 32
	}
	mag := uint64(1)
	prefix := 1
	i := 0
	for ; i < timeModelled && l-2-i >= 0; i++ {
		bit := d.decodeBit(&m.tman[sym][prefix])
		mag = mag<<1 | uint64(bit)
		prefix = prefix<<1 | int(bit)
	}
	if rest := l - 1 - i; rest > 0 {
		mag = mag<<uint(rest) | uint64(d.decodeWide(uint(rest)))
	}
	if sym > 32 {
		return -int64(mag)
	}
	return int64(mag)
}
