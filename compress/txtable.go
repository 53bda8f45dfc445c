package compress

import "math/bits"

// table is a static model: fixed frequencies for the symbols 0..n-1, the
// same for every transaction, so the transaction codec needs no context.
// The frequencies are part of the format (docs/compression.md lists them).
// Every frequency is at least 1, so every symbol can be coded, and the
// total stays below maxTotal.
type table struct {
	name string
	freq []uint16
}

// slice returns symbol s's slice of the table's total.
func (t *table) slice(s int) (start, size, total uint32) {
	for i, f := range t.freq {
		if i < s {
			start += uint32(f)
		}
		total += uint32(f)
	}
	return start, uint32(t.freq[s]), total
}

func (e *rcEncoder) encodeSym(t *table, s int) {
	if e.tally != nil {
		e.tally(t, s)
	}
	e.encode(t.slice(s))
}

func (d *rcDecoder) decodeSym(t *table) int {
	_, _, total := t.slice(0)
	v := d.decodeFreq(total)
	if d.err != nil {
		return 0
	}
	var start uint32
	for s, f := range t.freq {
		if v < start+uint32(f) {
			d.update(start, uint32(f))
			return s
		}
		start += uint32(f)
	}
	d.fail(ErrCorrupt) // unreachable: v < total
	return 0
}

// numTable codes an unsigned number: the values below direct (at least 1)
// have a symbol each; a larger value v has the symbol
// direct+bits.Len64(v)-1, followed by the bits of v below its leading one,
// with equal probability. So the table has direct+maxBits symbols.
type numTable struct {
	table
	direct  int
	maxBits int
}

func (e *rcEncoder) encodeNum(t *numTable, v uint64) {
	if v < uint64(t.direct) {
		e.encodeSym(&t.table, int(v))
		return
	}
	l := bits.Len64(v)
	e.encodeSym(&t.table, t.direct+l-1)
	e.encodeLong(v, uint(l-1))
}

func (d *rcDecoder) decodeNum(t *numTable) uint64 {
	s := d.decodeSym(&t.table)
	if s < t.direct {
		return uint64(s)
	}
	l := uint(s - t.direct + 1)
	return 1<<(l-1) | d.decodeLong(l-1)
}

// encodeLong codes the low n bits of v (n <= 64) with equal probability.
func (e *rcEncoder) encodeLong(v uint64, n uint) {
	if n > 32 {
		e.encodeWide(uint32(v>>32), n-32)
		n = 32
	}
	e.encodeWide(uint32(v), n)
}

func (d *rcDecoder) decodeLong(n uint) uint64 {
	var hi uint64
	if n > 32 {
		hi = uint64(d.decodeWide(n-32)) << 32
		n = 32
	}
	return hi | uint64(d.decodeWide(n))
}

// flagTable is a static binary model: the probability of 1 is one/4096.
type flagTable struct {
	name string
	one  uint16
}

const flagTotal = 4096

func (e *rcEncoder) encodeFlag(f *flagTable, b bool) {
	if e.tallyFlag != nil {
		e.tallyFlag(f, b)
	}
	if b {
		e.encode(flagTotal-uint32(f.one), uint32(f.one), flagTotal)
	} else {
		e.encode(0, flagTotal-uint32(f.one), flagTotal)
	}
}

func (d *rcDecoder) decodeFlag(f *flagTable) bool {
	zero := flagTotal - uint32(f.one)
	if d.decodeFreq(flagTotal) >= zero {
		d.update(zero, uint32(f.one))
		return true
	}
	d.update(0, zero)
	return false
}
