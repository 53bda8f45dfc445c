package compress

import "encoding/binary"

// readUvarint reads a canonical LEB128 unsigned varint (encoding/binary's
// Uvarint format) of at most 64 bits and returns it with its length. A
// varint with a redundant trailing zero group is rejected, so that every
// value has one encoding.
func readUvarint(b []byte) (uint64, int, error) {
	v, n := binary.Uvarint(b)
	switch {
	case n == 0:
		return 0, 0, ErrTruncated
	case n < 0:
		return 0, 0, ErrTooLarge
	case n > 1 && b[n-1] == 0:
		return 0, 0, ErrCorrupt
	}
	return v, n, nil
}
