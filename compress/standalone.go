package compress

import (
	"fmt"
	"math/bits"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Form (b): one header for a receiver that may hold nothing of the chain.
// A bit stream, most significant bit first (docs/compression.md):
//
//	version   1 = 0x20000000 plus the 16 BIP320 bits, which follow;
//	          01 = a version 1..8, minus one, in 3 bits follows;
//	          00 = the 32-bit version follows
//	nBits     32 bits
//	prev-hash Elias gamma of zigzag(z - z0) + 1, where z counts the leading
//	          zero bits of the hash as a 256-bit number and z0 those of
//	          the target nBits encodes; then the 255-z bits below the
//	          hash's leading one (none when z = 256)
//	merkle    256 bits, bytes in serialization order
//	time      32 bits
//	nonce     32 bits
//	padding   zero bits to the byte boundary

const bip9Base = 0x20000000

// EncodeStandalone appends the form (b) encoding of h to dst. It fails only
// when h's timestamp does not fit the header's 32-bit field.
func EncodeStandalone(dst []byte, h *wire.BlockHeader) ([]byte, error) {
	var f header
	if err := fromWire(&f, h); err != nil {
		return dst, fmt.Errorf("compress: %w", err)
	}
	w := bitWriter{out: dst}
	switch {
	case f.version&^rolledMask == bip9Base:
		w.write(1, 1)
		w.write(uint64(f.version>>rolledShift), 16)
	case f.version >= 1 && f.version <= 8:
		w.write(1, 2)
		w.write(uint64(f.version-1), 3)
	default:
		w.write(0, 2)
		w.write(uint64(f.version), 32)
	}
	w.write(uint64(f.bits), 32)
	writePrevHash(&w, &h.PrevBlock, leadingZeros(targetBytes(f.bits)))
	w.writeBytes(f.merkle[:])
	w.write(uint64(f.time), 32)
	w.write(uint64(f.nonce), 32)
	return w.bytes(), nil
}

// DecodeStandalone decodes a header written by EncodeStandalone. Every
// failure is a *FormatError.
func DecodeStandalone(b []byte) (wire.BlockHeader, error) {
	r := bitReader{in: b, what: "standalone header version"}
	var f header
	switch {
	case r.read(1) == 1:
		f.version = bip9Base | uint32(r.read(16))<<rolledShift
	case r.read(1) == 1:
		f.version = uint32(r.read(3)) + 1
	default:
		f.version = uint32(r.read(32))
		if f.version&^rolledMask == bip9Base || f.version >= 1 && f.version <= 8 {
			r.fail(ErrCorrupt) // a short form was due
		}
	}
	r.what = "standalone header nBits"
	f.bits = uint32(r.read(32))
	r.what = "standalone header prev-hash"
	var be [32]byte
	z := leadingZeros(targetBytes(f.bits)) + unzigzag(r.readGamma(10)-1)
	if z < 0 || z > 256 {
		r.fail(ErrCorrupt)
	} else {
		readHashBits(&r, be[:], z)
	}
	r.what = "standalone header merkle root"
	r.readBytes(f.merkle[:])
	r.what = "standalone header time and nonce"
	f.time = uint32(r.read(32))
	f.nonce = uint32(r.read(32))
	if err := r.finish(); err != nil {
		return wire.BlockHeader{}, err
	}
	var prev chainhash.Hash
	for i := range be {
		prev[i] = be[31-i]
	}
	var out wire.BlockHeader
	toWire(&out, &f, &prev)
	return out, nil
}

// writePrevHash writes the hash's leading-zero count relative to z0 and the
// bits below its leading one.
func writePrevHash(w *bitWriter, h *chainhash.Hash, z0 int) {
	var be [32]byte
	for i := range be {
		be[i] = h[31-i]
	}
	z := leadingZeros(be[:])
	w.writeGamma(zigzag(z-z0) + 1)
	if p := z + 1; p < 256 {
		if off := p % 8; off != 0 {
			w.write(uint64(be[p/8]), uint(8-off)) // write keeps the low bits
			p += 8 - off
		}
		w.writeBytes(be[p/8:])
	}
}

// readHashBits fills be (big-endian) with a leading one after z zero bits
// and the bits after it from r.
func readHashBits(r *bitReader, be []byte, z int) {
	if z == 256 {
		return
	}
	be[z/8] |= 0x80 >> (z % 8)
	p := z + 1
	if off := p % 8; off != 0 && p < 256 {
		be[p/8] |= byte(r.read(uint(8 - off)))
		p += 8 - off
	}
	if p < 256 {
		r.readBytes(be[p/8:])
	}
}

// targetBytes returns the 256-bit target that nBits encodes, big-endian,
// saturated at 2^256-1; zero for a negative or zero target.
func targetBytes(nbits uint32) []byte {
	var t [32]byte
	mant := nbits & 0x007fffff
	exp := int(nbits >> 24)
	if nbits&0x00800000 != 0 || mant == 0 {
		return t[:]
	}
	// The mantissa's three bytes sit at exponent-3..exponent-1 counted from
	// the least significant byte.
	for i := 0; i < 3; i++ {
		pos := exp - 3 + i // byte position from the least significant end
		c := byte(mant >> (8 * i))
		switch {
		case pos < 0:
			continue
		case pos >= 32:
			if c != 0 {
				return saturated()
			}
		default:
			t[31-pos] = c
		}
	}
	return t[:]
}

func saturated() []byte {
	t := make([]byte, 32)
	for i := range t {
		t[i] = 0xff
	}
	return t
}

// leadingZeros counts the leading zero bits of a big-endian number.
func leadingZeros(be []byte) int {
	for i, c := range be {
		if c != 0 {
			return i*8 + bits.LeadingZeros8(c)
		}
	}
	return len(be) * 8
}

func zigzag(v int) uint64 {
	if v >= 0 {
		return uint64(v) << 1
	}
	return uint64(-v)<<1 - 1
}

func unzigzag(u uint64) int {
	if u&1 == 0 {
		return int(u >> 1)
	}
	return -int((u + 1) >> 1)
}
