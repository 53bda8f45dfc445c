package compress

import (
	"math"

	"github.com/btcsuite/btcd/wire"
)

// Reference sizes that the header codec is measured against, computed over
// the same headers (altnet compress headers prints them).

// Draft2020Size returns the size in bytes of headers in the May 2020
// "compressed block headers" draft (block_header2, Will Clark, v1.1): per
// header a 1-byte bitfield; the version left out when it is one of the
// last 7 distinct versions (most recently seen first), else 4 bytes; the
// prev-hash left out; the 32-byte merkle root; the time as a 2-byte signed
// offset from the previous header when it fits, else 4 bytes; nBits left
// out when equal to the previous header's, else 4 bytes; the 4-byte nonce.
// The first header has no predecessor and is sent with every field. The
// message framing (a count) is not included.
func Draft2020Size(headers []wire.BlockHeader) int {
	size := 0
	var recent []int32 // distinct versions, most recent first
	for i := range headers {
		h := &headers[i]
		size += 1 + 32 + 4 // bitfield, merkle root, nonce
		if j := indexOf(recent, h.Version); j >= 0 {
			recent = append(recent[:j], recent[j+1:]...)
		} else {
			size += 4
		}
		recent = append([]int32{h.Version}, recent[:min(len(recent), 6)]...)
		if i == 0 {
			size += 32 + 4 + 4
			continue
		}
		dt := h.Timestamp.Unix() - headers[i-1].Timestamp.Unix()
		if dt < math.MinInt16 || dt > math.MaxInt16 {
			size += 4
		} else {
			size += 2
		}
		if h.Bits != headers[i-1].Bits {
			size += 4
		}
	}
	return size
}

func indexOf(s []int32, v int32) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// EntropyFloor returns, in bytes per header, the 0th-order entropy bound
// the issue quotes for a run: 32 bytes of merkle root and 4 of nonce (taken
// as incompressible) plus the empirical entropy of the version and of the
// time delta to the previous header over the run. A sample of a few
// thousand headers biases the empirical entropy low (most rolled versions
// occur once), so a real coder cannot reach it.
func EntropyFloor(headers []wire.BlockHeader) float64 {
	if len(headers) < 2 {
		return 36
	}
	versions := map[int32]int{}
	deltas := map[int64]int{}
	for i := 1; i < len(headers); i++ {
		versions[headers[i].Version]++
		deltas[headers[i].Timestamp.Unix()-headers[i-1].Timestamp.Unix()]++
	}
	n := float64(len(headers) - 1)
	return 36 + (entropy(versions, n)+entropy(deltas, n))/8
}

func entropy[K comparable](counts map[K]int, n float64) float64 {
	h := 0.0
	for _, c := range counts {
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h
}
