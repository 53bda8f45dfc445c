package compress

import "math/bits"

// bitWriter appends bits most significant first. The last byte is padded
// with zero bits.
type bitWriter struct {
	out  []byte
	acc  uint64 // pending bits, right-aligned
	nacc uint   // number of pending bits (< 8 between calls)
}

// write appends the low n bits of v (n <= 56).
func (w *bitWriter) write(v uint64, n uint) {
	w.acc = w.acc<<n | v&(1<<n-1)
	w.nacc += n
	for w.nacc >= 8 {
		w.nacc -= 8
		w.out = append(w.out, byte(w.acc>>w.nacc))
	}
	w.acc &= 1<<w.nacc - 1
}

func (w *bitWriter) writeBytes(b []byte) {
	for _, c := range b {
		w.write(uint64(c), 8)
	}
}

// writeGamma appends v >= 1 in Elias gamma code: bits.Len(v)-1 zero bits,
// then v in bits.Len(v) bits.
func (w *bitWriter) writeGamma(v uint64) {
	l := uint(bits.Len64(v))
	w.write(0, l-1)
	w.write(v, l)
}

// bytes flushes the partial last byte, padded with zeros, and returns the
// output.
func (w *bitWriter) bytes() []byte {
	if w.nacc > 0 {
		w.out = append(w.out, byte(w.acc<<(8-w.nacc)))
		w.acc, w.nacc = 0, 0
	}
	return w.out
}

// bitReader reads what bitWriter wrote. Errors are sticky: after the first
// one reads return zero and err keeps the first error.
type bitReader struct {
	in   []byte
	base int  // offset of in within the message, for errors
	pos  uint // bit position
	err  *FormatError
	what string
}

// read returns the next n bits (n <= 56).
func (r *bitReader) read(n uint) uint64 {
	if r.err != nil {
		return 0
	}
	if r.pos+n > uint(len(r.in))*8 {
		r.fail(ErrTruncated)
		return 0
	}
	var v uint64
	for n > 0 {
		byteIdx, off := r.pos/8, r.pos%8
		take := min(8-off, n)
		chunk := uint64(r.in[byteIdx]>>(8-off-take)) & (1<<take - 1)
		v = v<<take | chunk
		r.pos += take
		n -= take
	}
	return v
}

func (r *bitReader) readBytes(b []byte) {
	for i := range b {
		b[i] = byte(r.read(8))
	}
}

// readGamma reads an Elias gamma code of at most maxBits significant bits.
func (r *bitReader) readGamma(maxBits uint) uint64 {
	var zeros uint
	for r.err == nil && r.read(1) == 0 {
		if zeros++; zeros >= maxBits {
			r.fail(ErrCorrupt)
			return 0
		}
	}
	return 1<<zeros | r.read(zeros)
}

func (r *bitReader) fail(err error) {
	if r.err == nil {
		r.err = formatErr(r.base+int(r.pos/8), r.what, err)
	}
}

// finish checks that only zero padding is left in the last byte and no
// byte follows.
func (r *bitReader) finish() error {
	if r.err != nil {
		return r.err
	}
	end := (r.pos + 7) / 8
	if end < uint(len(r.in)) {
		r.pos = end * 8
		r.fail(ErrTrailing)
	} else if pad := (8 - r.pos%8) % 8; pad > 0 && r.read(pad) != 0 {
		r.pos -= pad
		r.fail(ErrTrailing)
	}
	if r.err != nil {
		return r.err
	}
	return nil
}
