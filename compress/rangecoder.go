package compress

import (
	"fmt"
	"strings"
)

// A range coder (an arithmetic coder over bytes) after the one in LZMA:
// 32-bit range, carries propagated through a one-byte cache and a count of
// pending 0xFF bytes. Two changes make its output canonical and short:
//
//   - The first byte LZMA's encoder emits is always zero; it is not written,
//     and the decoder starts as if it had read it.
//   - At the end the encoder writes only as many bytes k (0..4) of the final
//     value as needed to stay inside the final interval, choosing the
//     smallest such value; the decoder reads zeros past the end of its input
//     (at most four) and checks that the input is exactly that canonical
//     tail, so any other ending is rejected as trailing or non-canonical.
//
// Every symbol is coded as a slice [start, start+size) of a total that never
// exceeds maxTotal, so that the range (at least 2^24 after normalisation)
// keeps at least 8 bits of precision per symbol.

const (
	rcTop    = 1 << 24 // normalise when the range falls below this
	maxTotal = 1 << 16 // largest frequency total a model may use
)

// rcEncoder appends range-coded symbols to out.
type rcEncoder struct {
	low     uint64 // 32 bits of interval start plus a carry in bit 32
	rng     uint32
	cache   byte // the last byte that a carry may still change
	pending int  // cache plus the 0xFF bytes after it, not yet written
	skip    bool // the always-zero first byte has not been dropped yet
	out     []byte

	// tally, when set, sees every static-table symbol coded (for training
	// the tables, see txtables_test.go).
	tally     func(t *table, s int)
	tallyFlag func(f *flagTable, b bool)
}

func newEncoder(out []byte) *rcEncoder {
	return &rcEncoder{rng: 0xFFFFFFFF, pending: 1, skip: true, out: out}
}

// encode narrows the interval to [start, start+size) of total.
func (e *rcEncoder) encode(start, size, total uint32) {
	r := e.rng / total
	e.low += uint64(r) * uint64(start)
	e.rng = r * size
	for e.rng < rcTop {
		e.rng <<= 8
		e.shiftLow()
	}
}

// encodeBits codes the low n bits of v (n <= 16) with equal probability.
func (e *rcEncoder) encodeBits(v uint32, n uint) {
	r := e.rng >> n
	e.low += uint64(r) * uint64(v&(1<<n-1))
	e.rng = r
	for e.rng < rcTop {
		e.rng <<= 8
		e.shiftLow()
	}
}

// encodeWide codes the low n bits of v (n <= 32) with equal probability,
// most significant first.
func (e *rcEncoder) encodeWide(v uint32, n uint) {
	for n > 16 {
		n -= 16
		e.encodeBits(v>>n, 16)
	}
	e.encodeBits(v, n)
}

// encodeBytes codes raw bytes, each with equal probability.
func (e *rcEncoder) encodeBytes(b []byte) {
	for _, c := range b {
		e.encodeBits(uint32(c), 8)
	}
}

func (e *rcEncoder) shiftLow() {
	if uint32(e.low) < 0xFF000000 || e.low >= 1<<32 {
		carry := byte(e.low >> 32)
		b := e.cache
		for ; e.pending > 0; e.pending-- {
			e.emit(b + carry)
			b = 0xFF
		}
		e.cache = byte(e.low >> 24)
	}
	e.pending++
	e.low = (e.low & 0x00FFFFFF) << 8
}

func (e *rcEncoder) emit(b byte) {
	if e.skip {
		e.skip = false
		return
	}
	e.out = append(e.out, b)
}

// finish writes the shortest tail that identifies the final interval and
// returns the output.
func (e *rcEncoder) finish() []byte {
	k, v := finalValue(e.low, e.rng)
	e.low = v
	for i := 0; i <= k; i++ {
		e.shiftLow()
	}
	return e.out
}

// finalValue returns the smallest k (0..4) and the value v in
// [low, low+rng) whose low 32-8k bits are zero.
func finalValue(low uint64, rng uint32) (int, uint64) {
	for k := 0; k < 4; k++ {
		mask := uint64(1)<<(32-8*k) - 1
		v := (low + mask) &^ mask
		if v-low < uint64(rng) {
			return k, v
		}
	}
	return 4, low
}

// rcDecoder reads symbols written by rcEncoder. It mirrors the encoder's
// interval start (low) so that finish can check the canonical tail. Errors
// are sticky: after the first one every call returns zero values and err
// keeps the first error.
type rcDecoder struct {
	in   []byte
	base int // offset of in within the whole message, for error offsets
	pos  int // next byte of in to read; may run up to 4 past the end
	code uint32
	rng  uint32
	low  uint64
	r    uint32 // rng/total of the pending decodeFreq
	err  *FormatError
	// What is being decoded, for error messages: the field, and the unit
	// it belongs to with its index ("header", 3), when unit is set.
	what  string
	unit  string
	index int
}

func newDecoder(in []byte, base int) *rcDecoder {
	d := &rcDecoder{in: in, base: base, rng: 0xFFFFFFFF}
	for i := 0; i < 4; i++ {
		d.code = d.code<<8 | uint32(d.next())
	}
	return d
}

// next returns the next input byte, or zero past the end. More than four
// bytes past the end cannot be part of a valid encoding.
func (d *rcDecoder) next() byte {
	p := d.pos
	d.pos++
	if p < len(d.in) {
		return d.in[p]
	}
	if p >= len(d.in)+4 {
		d.fail(ErrTruncated)
	}
	return 0
}

func (d *rcDecoder) fail(err error) {
	if d.err == nil {
		off := min(d.pos, len(d.in))
		what := d.what
		if d.unit != "" {
			what = fmt.Sprintf("%s %d %s", d.unit, d.index, d.what)
		}
		d.err = formatErr(d.base+off, strings.TrimSpace(what), err)
	}
}

// decodeFreq returns the position of the coded value within total; the
// caller maps it to a symbol and then calls update with that symbol's slice.
func (d *rcDecoder) decodeFreq(total uint32) uint32 {
	d.r = d.rng / total
	v := d.code / d.r
	if v >= total {
		d.fail(ErrCorrupt)
		return 0
	}
	return v
}

// update consumes the symbol [start, start+size) found by decodeFreq.
func (d *rcDecoder) update(start, size uint32) {
	d.code -= d.r * start
	d.low += uint64(d.r) * uint64(start)
	d.rng = d.r * size
	d.normalize()
}

func (d *rcDecoder) normalize() {
	for d.rng < rcTop {
		d.rng <<= 8
		d.code = d.code<<8 | uint32(d.next())
		d.low = (d.low & 0x00FFFFFF) << 8
	}
}

// decodeBits reads n bits (n <= 16) written by encodeBits.
func (d *rcDecoder) decodeBits(n uint) uint32 {
	d.r = d.rng >> n
	v := d.code / d.r
	if v >= 1<<n {
		d.fail(ErrCorrupt)
		return 0
	}
	d.update(v, 1)
	return v
}

// decodeWide reads n bits (n <= 32) written by encodeWide.
func (d *rcDecoder) decodeWide(n uint) uint32 {
	var v uint32
	for n > 16 {
		n -= 16
		v = v<<16 | d.decodeBits(16)
	}
	return v<<n | d.decodeBits(n)
}

// decodeBytes fills b with raw bytes written by encodeBytes.
func (d *rcDecoder) decodeBytes(b []byte) {
	for i := range b {
		b[i] = byte(d.decodeBits(8))
	}
}

// finish checks that the input ends exactly where the canonical encoding of
// the decoded symbols ends, and returns the first error of the decoder.
func (d *rcDecoder) finish() error {
	if d.err != nil {
		return d.err
	}
	k, v := finalValue(d.low, d.rng)
	consumed := d.pos - 4 + k // bytes the encoder wrote for these symbols
	switch {
	case consumed > len(d.in):
		d.fail(ErrTruncated)
	case consumed < len(d.in) || uint32(d.low)+d.code != uint32(v):
		d.pos = consumed
		d.fail(ErrTrailing)
	}
	if d.err != nil {
		return d.err
	}
	return nil
}
