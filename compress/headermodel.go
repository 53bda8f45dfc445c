package compress

import "math/bits"

// The model of form (a): what the last MaxHistory headers say about the
// next one. Every count below is a count over the headers in the window, so
// the model is a pure function of the window's contents: the encoder and a
// receiver holding the same chain build the same one. See
// docs/compression.md for the field codes.

const (
	// MaxHistory is the largest window of earlier headers the model learns
	// from (one retarget period).
	MaxHistory = RetargetInterval

	rolledMask  = 0x1fffe000 // BIP320 general-purpose version bits 13..28
	rolledShift = 13
	baseSlots   = 4

	rolledSymbols = 137 // (L, tz) pairs of a 16-bit value, see rolledSymbol
	timeSymbols   = 65  // 0, +L (1..32), -L (33..64)
	timeModelled  = 2   // mantissa bits of a time delta that have a model
	symScale      = 8
	timeScale     = 32
)

// headerRec is one header as the window keeps it.
type headerRec struct {
	version, time, nonce uint32
	slot                 int8 // base slot the header counted in, or -1
}

type baseSlot struct {
	base  uint32
	count uint16
}

type headerModel struct {
	ring []headerRec // window, oldest at ring[head]
	head int
	n    int

	slots  [baseSlots]baseSlot
	rolled symbols
	mid    [17][16][2]bit // [L][bit index][all higher middle bits one]
	tsym   symbols
	tman   [timeSymbols][4]bit // [time symbol][mantissa prefix 1..3]
	nonce  [32]bit
}

// newHeaderModel returns an empty model whose window holds up to capacity
// headers (at most MaxHistory).
func newHeaderModel(capacity int) *headerModel {
	return &headerModel{
		ring:   make([]headerRec, capacity),
		rolled: newSymbols(rolledSymbols, symScale),
		tsym:   newSymbols(timeSymbols, timeScale),
	}
}

// at returns the i-th oldest header of the window.
func (m *headerModel) at(i int) *headerRec {
	return &m.ring[(m.head+i)%len(m.ring)]
}

// last returns the newest header of the window.
func (m *headerModel) last() *headerRec { return m.at(m.n - 1) }

// push adds a header to the window, dropping the oldest when it is full.
func (m *headerModel) push(version, time, nonce uint32) {
	if m.n == len(m.ring) {
		m.drop()
	}
	r := headerRec{version: version, time: time, nonce: nonce, slot: m.assignSlot(version &^ rolledMask)}
	if m.n > 0 {
		m.countTime(int64(time)-int64(m.last().time), 1)
	}
	*m.at(m.n) = r
	m.n++
	m.countVersion(version, 1)
	m.countNonce(nonce, 1)
}

// drop removes the oldest header and the time delta to its successor.
func (m *headerModel) drop() {
	r := m.at(0)
	if r.slot >= 0 {
		m.slots[r.slot].count--
	}
	m.countVersion(r.version, -1)
	m.countNonce(r.nonce, -1)
	if m.n > 1 {
		m.countTime(int64(m.at(1).time)-int64(r.time), -1)
	}
	m.head = (m.head + 1) % len(m.ring)
	m.n--
}

// findSlot returns the slot holding base with a non-zero count, or -1.
func (m *headerModel) findSlot(base uint32) int {
	for i, s := range m.slots {
		if s.count > 0 && s.base == base {
			return i
		}
	}
	return -1
}

// assignSlot counts base in its slot, claiming the first empty slot for a
// new base; it returns the slot or -1 when all are taken.
func (m *headerModel) assignSlot(base uint32) int8 {
	i := m.findSlot(base)
	if i < 0 {
		for j, s := range m.slots {
			if s.count == 0 {
				i = j
				m.slots[j].base = base
				break
			}
		}
	}
	if i < 0 {
		return -1
	}
	m.slots[i].count++
	return int8(i)
}

// slotFreqs returns the coder's frequencies for the slots and the escape.
func (m *headerModel) slotFreqs() (f [baseSlots + 1]uint32) {
	for i, s := range m.slots {
		if s.count > 0 {
			f[i] = uint32(s.count)*symScale + 1
		}
	}
	f[baseSlots] = 1
	return f
}

// rolledSymbol maps a 16-bit value to its bit length L and trailing zero
// count tz, numbered 0 for the value 0 and L*(L-1)/2+tz+1 otherwise.
func rolledSymbol(x uint32) (sym, l, tz int) {
	if x == 0 {
		return 0, 0, 0
	}
	l = bits.Len32(x)
	tz = bits.TrailingZeros32(x)
	return l*(l-1)/2 + tz + 1, l, tz
}

// symbolRolled inverts rolledSymbol's numbering.
func symbolRolled(sym int) (l, tz int) {
	if sym == 0 {
		return 0, 0
	}
	sym--
	for l = 1; sym >= l; l++ {
		sym -= l
	}
	return l, sym
}

// countVersion adds delta to the version's rolled-field events: its symbol
// and each middle bit (the bits strictly between the highest and the
// lowest set bit) in its context.
func (m *headerModel) countVersion(v uint32, delta int) {
	x := (v & rolledMask) >> rolledShift
	sym, l, tz := rolledSymbol(x)
	m.rolled.add(sym, delta)
	ones := 1
	for b := l - 2; b > tz; b-- {
		bit := x >> uint(b) & 1
		m.mid[l][b][ones].add(bit, delta)
		ones &= int(bit)
	}
}

// timeSymbol maps a time delta to its symbol and magnitude.
func timeSymbol(dt int64) (sym int, mag uint64) {
	switch {
	case dt == 0:
		return 0, 0
	case dt > 0:
		return bits.Len64(uint64(dt)), uint64(dt)
	default:
		return 32 + bits.Len64(uint64(-dt)), uint64(-dt)
	}
}

// countTime adds delta to a time delta's events: its symbol and its first
// timeModelled mantissa bits, each in the context of the bits above it.
func (m *headerModel) countTime(dt int64, delta int) {
	sym, mag := timeSymbol(dt)
	m.tsym.add(sym, delta)
	l := bits.Len64(mag)
	prefix := 1
	for i := 0; i < timeModelled && l-2-i >= 0; i++ {
		bit := uint32(mag>>uint(l-2-i)) & 1
		m.tman[sym][prefix].add(bit, delta)
		prefix = prefix<<1 | int(bit)
	}
}

func (m *headerModel) countNonce(n uint32, delta int) {
	for b := range m.nonce {
		m.nonce[b].add(n>>uint(b), delta)
	}
}
