package headers

import (
	"encoding/binary"
	"math/big"
	"math/bits"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// u256 is an unsigned 256-bit integer in four little-endian 64-bit limbs.
// The hot paths (proof-of-work comparison, chain-work sums) use it instead of
// math/big so that validating a header allocates nothing.
type u256 [4]uint64

// hashToU256 reads a block hash as the little-endian number that consensus
// compares against the target.
func hashToU256(h *chainhash.Hash) u256 {
	return u256{
		binary.LittleEndian.Uint64(h[0:8]),
		binary.LittleEndian.Uint64(h[8:16]),
		binary.LittleEndian.Uint64(h[16:24]),
		binary.LittleEndian.Uint64(h[24:32]),
	}
}

// cmp returns -1, 0 or +1 as a is less than, equal to or greater than b.
func (a u256) cmp(b u256) int {
	for i := 3; i >= 0; i-- {
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return 0
}

// add returns a+b modulo 2^256 (chain work never comes near it).
func (a u256) add(b u256) u256 {
	var r u256
	var c uint64
	r[0], c = bits.Add64(a[0], b[0], 0)
	r[1], c = bits.Add64(a[1], b[1], c)
	r[2], c = bits.Add64(a[2], b[2], c)
	r[3], _ = bits.Add64(a[3], b[3], c)
	return r
}

// sub returns a-b modulo 2^256.
func (a u256) sub(b u256) u256 {
	var r u256
	var c uint64
	r[0], c = bits.Sub64(a[0], b[0], 0)
	r[1], c = bits.Sub64(a[1], b[1], c)
	r[2], c = bits.Sub64(a[2], b[2], c)
	r[3], _ = bits.Sub64(a[3], b[3], c)
	return r
}

// mul64 returns a*m modulo 2^256.
func (a u256) mul64(m uint64) u256 {
	var r u256
	var carry uint64
	for i := 0; i < 4; i++ {
		hi, lo := bits.Mul64(a[i], m)
		var c uint64
		r[i], c = bits.Add64(lo, carry, 0)
		carry = hi + c
	}
	return r
}

func (a u256) isZero() bool { return a[0]|a[1]|a[2]|a[3] == 0 }

// big returns a as a new big.Int.
func (a u256) big() *big.Int {
	var b [32]byte
	a.putBE(b[:])
	return new(big.Int).SetBytes(b[:])
}

// putBE writes a as 32 big-endian bytes into b.
func (a u256) putBE(b []byte) {
	binary.BigEndian.PutUint64(b[0:8], a[3])
	binary.BigEndian.PutUint64(b[8:16], a[2])
	binary.BigEndian.PutUint64(b[16:24], a[1])
	binary.BigEndian.PutUint64(b[24:32], a[0])
}

// u256FromBE reads 32 big-endian bytes.
func u256FromBE(b []byte) u256 {
	return u256{
		binary.BigEndian.Uint64(b[24:32]),
		binary.BigEndian.Uint64(b[16:24]),
		binary.BigEndian.Uint64(b[8:16]),
		binary.BigEndian.Uint64(b[0:8]),
	}
}

// u256FromBig converts a non-negative big.Int below 2^256; ok is false
// otherwise.
func u256FromBig(n *big.Int) (u256, bool) {
	if n.Sign() < 0 || n.BitLen() > 256 {
		return u256{}, false
	}
	var b [32]byte
	n.FillBytes(b[:])
	return u256FromBE(b[:]), true
}

// lsh returns a shifted left by n bits (n < 256), dropping overflow.
func (a u256) lsh(n uint) u256 {
	var r u256
	limbs, sh := n/64, n%64
	for i := 3; i >= int(limbs); i-- {
		v := a[i-int(limbs)] << sh
		if sh != 0 && i-int(limbs)-1 >= 0 {
			v |= a[i-int(limbs)-1] >> (64 - sh)
		}
		r[i] = v
	}
	return r
}

// compactTarget decodes nBits the way Bitcoin Core's arith_uint256::SetCompact
// does. negative is set when the sign bit is set on a non-zero mantissa, and
// overflow when the value does not fit in 256 bits; callers reject both.
func compactTarget(c uint32) (t u256, negative, overflow bool) {
	size := c >> 24
	word := uint64(c & 0x007fffff)
	if size <= 3 {
		word >>= 8 * (3 - size)
		t = u256{word}
	} else {
		overflow = word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32))
		if !overflow {
			t = u256{word}.lsh(uint(8 * (size - 3)))
		}
	}
	negative = word != 0 && c&0x00800000 != 0
	return t, negative, overflow
}

// targetCompact encodes a target as nBits, the inverse of compactTarget for
// the canonical encodings that consensus produces (btcd's BigToCompact).
func targetCompact(t u256) uint32 {
	n := t.big()
	if n.Sign() == 0 {
		return 0
	}
	size := uint32(len(n.Bytes()))
	var mantissa uint32
	if size <= 3 {
		mantissa = uint32(n.Uint64()) << (8 * (3 - size))
	} else {
		mantissa = uint32(new(big.Int).Rsh(n, uint(8*(size-3))).Uint64())
	}
	if mantissa&0x00800000 != 0 {
		mantissa >>= 8
		size++
	}
	return size<<24 | mantissa
}

// workForTarget is the expected number of hashes to find a hash at or
// below target: 2^256 / (target+1), computed as Core does:
// (~target / (target+1)) + 1.
func workForTarget(t u256) u256 {
	d := t.big()
	d.Add(d, big.NewInt(1))
	not := u256{^t[0], ^t[1], ^t[2], ^t[3]}.big()
	q := not.Quo(not, d)
	w, _ := u256FromBig(q)
	return w.add(u256{1})
}
