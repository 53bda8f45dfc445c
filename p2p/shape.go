package p2p

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// wire's decoders allocate from the counts and lengths they read before they
// read the items (MsgTx inputs, outputs and witness items; ReadVarString up
// to 32 MiB), so a short hostile payload can cost far more memory than its
// size (an 82-byte tx message: 4 MiB, see TestReadMessageBoundsMemory). checkShape walks the payload first and refuses any
// count or length that more bytes than remain could not satisfy. After it,
// wire allocates at most a small multiple of the payload size.

// errShape is what a count or length that cannot fit the payload wraps.
var errShape = errors.New("count or length exceeds payload")

// cursor reads Bitcoin's little-endian fields and CompactSize integers from
// a payload, never past its end.
type cursor struct {
	b   []byte
	off int
}

func (c *cursor) left() uint64 { return uint64(len(c.b) - c.off) }

// skip advances n bytes, or fails when fewer remain.
func (c *cursor) skip(n uint64) error {
	if n > c.left() {
		return fmt.Errorf("%d bytes at offset %d, %d left: %w", n, c.off, c.left(), errShape)
	}
	c.off += int(n)
	return nil
}

// varint reads a canonically encoded CompactSize integer, as wire does.
func (c *cursor) varint() (uint64, error) {
	if c.left() < 1 {
		return 0, fmt.Errorf("varint at offset %d: %w", c.off, errShape)
	}
	var size int
	var min uint64
	switch first := c.b[c.off]; first {
	case 0xfd:
		size, min = 2, 0xfd
	case 0xfe:
		size, min = 4, 0x10000
	case 0xff:
		size, min = 8, 0x100000000
	default:
		c.off++
		return uint64(first), nil
	}
	if c.left() < uint64(1+size) {
		return 0, fmt.Errorf("varint at offset %d: %w", c.off, errShape)
	}
	var buf [8]byte
	copy(buf[:], c.b[c.off+1:c.off+1+size])
	if v := binary.LittleEndian.Uint64(buf[:]); v >= min {
		c.off += 1 + size
		return v, nil
	}
	return 0, fmt.Errorf("non-canonical varint at offset %d: %w", c.off, ErrMalformed)
}

// items reads a count of items of at least minSize bytes each and checks
// that they can fit in what remains.
func (c *cursor) items(minSize uint64) (uint64, error) {
	n, err := c.varint()
	if err != nil {
		return 0, err
	}
	if n > c.left()/minSize {
		return 0, fmt.Errorf("%d items of %d+ bytes at offset %d, %d bytes left: %w", n, minSize, c.off, c.left(), errShape)
	}
	return n, nil
}

// bytesField skips a length-prefixed byte string.
func (c *cursor) bytesField() error {
	n, err := c.varint()
	if err != nil {
		return err
	}
	return c.skip(n)
}

// checkShape checks the counts and lengths of a payload for the commands
// whose wire decoders could otherwise over-allocate.
func checkShape(command string, payload []byte) error {
	c := &cursor{b: payload}
	var err error
	switch command {
	case wire.CmdTx:
		err = txShape(c)
	case wire.CmdInv, wire.CmdGetData, wire.CmdNotFound:
		_, err = c.items(4 + chainhash.HashSize)
	case wire.CmdVersion:
		err = versionShape(c)
	case wire.CmdReject:
		if err = c.bytesField(); err == nil {
			if err = c.skip(1); err == nil {
				err = c.bytesField()
			}
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", command, err)
	}
	return nil
}

// versionShape checks the user agent's length. Fields: version 4,
// services 8, timestamp 8, addr_recv 26, then (optional in old versions)
// addr_from 26, nonce 8, user agent (var string), start height 4, relay 1.
func versionShape(c *cursor) error {
	const beforeAgent = 4 + 8 + 8 + 26 + 26 + 8
	if c.left() <= beforeAgent {
		return nil
	}
	c.off = beforeAgent
	return c.bytesField()
}

// txShape walks a transaction: version, [marker 0x00, flag 0x01], inputs
// (outpoint 36, script, sequence 4), outputs (value 8, script), [witness
// stacks, one per input], lock time 4. It must end at the payload's end.
func txShape(c *cursor) error {
	if err := c.skip(4); err != nil {
		return err
	}
	witness := c.left() >= 2 && c.b[c.off] == 0 && c.b[c.off+1] != 0
	if witness {
		c.off += 2
	}
	nIn, err := c.items(36 + 1 + 4)
	if err != nil {
		return err
	}
	for range nIn {
		if err := walk(c, 36, 4); err != nil {
			return err
		}
	}
	nOut, err := c.items(8 + 1)
	if err != nil {
		return err
	}
	for range nOut {
		if err := walk(c, 8, 0); err != nil {
			return err
		}
	}
	if witness {
		if err := witnessShape(c, nIn); err != nil {
			return err
		}
	}
	if err := c.skip(4); err != nil {
		return err
	}
	if c.left() != 0 {
		return fmt.Errorf("%d bytes after the lock time: %w", c.left(), ErrMalformed)
	}
	return nil
}

// walk skips a fixed prefix, a length-prefixed script and a fixed suffix.
func walk(c *cursor, before, after uint64) error {
	if err := c.skip(before); err != nil {
		return err
	}
	if err := c.bytesField(); err != nil {
		return err
	}
	return c.skip(after)
}

func witnessShape(c *cursor, nIn uint64) error {
	for range nIn {
		items, err := c.items(1)
		if err != nil {
			return err
		}
		for range items {
			if err := c.bytesField(); err != nil {
				return err
			}
		}
	}
	return nil
}
