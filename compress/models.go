package compress

// Count-based probability models. A model holds how often each outcome
// occurred among the events it has seen; the header codec adds an event when
// a header enters its history window and removes it when the header leaves,
// so the counts are always exactly those of the window. Frequencies handed to
// the range coder are count*scale+1, so an outcome never seen still codes.

// binScale weighs a counted event against the prior of 1 in a binary model.
const binScale = 4

// bit is a binary model: counts of 0 and 1.
type bit [2]uint16

// freq0 and total give the coder's slice for the outcome 0.
func (m *bit) split() (f0, total uint32) {
	f0 = uint32(m[0])*binScale + 1
	return f0, f0 + uint32(m[1])*binScale + 1
}

func (m *bit) add(b uint32, delta int) {
	m[b&1] = uint16(int(m[b&1]) + delta)
}

func (e *rcEncoder) encodeBit(m *bit, b uint32) {
	f0, total := m.split()
	if b == 0 {
		e.encode(0, f0, total)
	} else {
		e.encode(f0, total-f0, total)
	}
}

func (d *rcDecoder) decodeBit(m *bit) uint32 {
	f0, total := m.split()
	if d.decodeFreq(total) < f0 {
		d.update(0, f0)
		return 0
	}
	d.update(f0, total-f0)
	return 1
}

// symbols is a model over the outcomes 0..len(counts)-1.
type symbols struct {
	counts []uint16
	sum    uint32 // sum of counts
	scale  uint32
}

func newSymbols(n int, scale uint32) symbols {
	return symbols{counts: make([]uint16, n), scale: scale}
}

func (m *symbols) total() uint32 {
	return m.sum*m.scale + uint32(len(m.counts))
}

func (m *symbols) add(s int, delta int) {
	m.counts[s] = uint16(int(m.counts[s]) + delta)
	m.sum = uint32(int(m.sum) + delta)
}

// slice returns the coder's slice for symbol s.
func (m *symbols) slice(s int) (start, size uint32) {
	for _, c := range m.counts[:s] {
		start += uint32(c)*m.scale + 1
	}
	return start, uint32(m.counts[s])*m.scale + 1
}

func (e *rcEncoder) encodeSymbol(m *symbols, s int) {
	start, size := m.slice(s)
	e.encode(start, size, m.total())
}

func (d *rcDecoder) decodeSymbol(m *symbols) int {
	v := d.decodeFreq(m.total())
	if d.err != nil {
		return 0
	}
	var start uint32
	for s, c := range m.counts {
		size := uint32(c)*m.scale + 1
		if v < start+size {
			d.update(start, size)
			return s
		}
		start += size
	}
	d.fail(ErrCorrupt) // unreachable: v < total
	return 0
}
