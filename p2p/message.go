package p2p

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Limits on what this package reads from a peer. Each bounds an allocation
// before it is made; a peer that exceeds one is disconnected.
const (
	// MaxTxSize is the largest transaction, in bytes with witness, that
	// SendTx pushes or the client reads back: a standard transaction weighs
	// at most 400,000 weight units, so it has at most 400,000 bytes.
	MaxTxSize = 400_000
	// maxInvItems caps inv, getdata and notfound messages. Nodes send at most
	// 1,000 items in one inv (Core's INVENTORY_BROADCAST_MAX, btcd's trickle
	// batch) and 500 in a getblocks reply; wire allows 50,000.
	maxInvItems = 5_000
	// maxRejectPayload caps a reject message: command (≤12 bytes), code,
	// reason and hash need far less than this.
	maxRejectPayload = 4_096
	// maxIgnoredPayload caps the payload of a command this package does not
	// decode (wtxidrelay, sendcmpct, sendtxrcncl, ...), which is read and
	// discarded.
	maxIgnoredPayload = 64 * 1024
	// headerSize is the size of a P2P message header: magic (4), command
	// (12), payload length (4), checksum (4).
	headerSize = wire.MessageHeaderSize
)

// Errors a message read can end in. They are wrapped with the command and
// details; compare with errors.Is.
var (
	// ErrWrongNetwork: the message's magic is not the configured network's.
	ErrWrongNetwork = errors.New("wrong network magic")
	// ErrMalformed: the header or payload does not decode.
	ErrMalformed = errors.New("malformed message")
	// ErrTooLarge: the payload exceeds this package's limit for the command.
	ErrTooLarge = errors.New("payload too large")
	// ErrChecksum: the payload does not match the header's checksum.
	ErrChecksum = errors.New("bad checksum")
)

// msgHeader is the 24-byte header in front of every P2P message:
//
//	offset size field
//	     0    4 magic     network, little endian (regtest: fa bf b5 da)
//	     4   12 command   ASCII, NUL padded ("inv\0\0\0\0\0\0\0\0\0")
//	    16    4 length    payload bytes, little endian
//	    20    4 checksum  first 4 bytes of SHA256(SHA256(payload))
type msgHeader struct {
	magic    wire.BitcoinNet
	command  string
	length   uint32
	checksum [4]byte
}

// decodeHeader parses a message header. The command must be 1 to 12
// printable ASCII characters followed only by NUL bytes.
func decodeHeader(b []byte) (msgHeader, error) {
	if len(b) != headerSize {
		return msgHeader{}, fmt.Errorf("header of %d bytes: %w", len(b), ErrMalformed)
	}
	var h msgHeader
	h.magic = wire.BitcoinNet(binary.LittleEndian.Uint32(b[0:4]))
	cmd := b[4:16]
	end := bytes.IndexByte(cmd, 0)
	if end < 0 {
		end = len(cmd)
	}
	if end == 0 {
		return msgHeader{}, fmt.Errorf("empty command: %w", ErrMalformed)
	}
	for i, c := range cmd {
		if (i < end && (c < 0x20 || c > 0x7e)) || (i >= end && c != 0) {
			return msgHeader{}, fmt.Errorf("command byte %d is %#02x: %w", i, c, ErrMalformed)
		}
	}
	h.command = string(cmd[:end])
	h.length = binary.LittleEndian.Uint32(b[16:20])
	copy(h.checksum[:], b[20:24])
	return h, nil
}

// msgSpec says how to decode one command and how large its payload may be.
type msgSpec struct {
	empty func() wire.Message
	max   uint32
}

// specFor returns how to read command, or false for a command this package
// reads and discards.
func specFor(command string) (msgSpec, bool) {
	invMax := uint32(wire.MaxVarIntPayload + maxInvItems*(4+chainhash.HashSize))
	mk := func(m func() wire.Message, max uint32) (msgSpec, bool) { return msgSpec{m, max}, true }
	switch command {
	case wire.CmdVersion:
		return mk(func() wire.Message { return new(wire.MsgVersion) }, 1024)
	case wire.CmdVerAck:
		return mk(func() wire.Message { return new(wire.MsgVerAck) }, 0)
	case wire.CmdSendAddrV2:
		return mk(func() wire.Message { return new(wire.MsgSendAddrV2) }, 0)
	case wire.CmdSendHeaders:
		return mk(func() wire.Message { return new(wire.MsgSendHeaders) }, 0)
	case wire.CmdGetAddr:
		return mk(func() wire.Message { return new(wire.MsgGetAddr) }, 0)
	case wire.CmdMemPool:
		return mk(func() wire.Message { return new(wire.MsgMemPool) }, 0)
	case wire.CmdPing:
		return mk(func() wire.Message { return new(wire.MsgPing) }, 8)
	case wire.CmdPong:
		return mk(func() wire.Message { return new(wire.MsgPong) }, 8)
	case wire.CmdFeeFilter:
		return mk(func() wire.Message { return new(wire.MsgFeeFilter) }, 8)
	case wire.CmdAddr:
		return mk(func() wire.Message { return new(wire.MsgAddr) }, wire.MaxVarIntPayload+wire.MaxAddrPerMsg*30)
	case wire.CmdInv:
		return mk(func() wire.Message { return new(wire.MsgInv) }, invMax)
	case wire.CmdGetData:
		return mk(func() wire.Message { return new(wire.MsgGetData) }, invMax)
	case wire.CmdNotFound:
		return mk(func() wire.Message { return new(wire.MsgNotFound) }, invMax)
	case wire.CmdGetHeaders:
		return mk(func() wire.Message { return new(wire.MsgGetHeaders) }, new(wire.MsgGetHeaders).MaxPayloadLength(wire.ProtocolVersion))
	case wire.CmdGetBlocks:
		return mk(func() wire.Message { return new(wire.MsgGetBlocks) }, new(wire.MsgGetBlocks).MaxPayloadLength(wire.ProtocolVersion))
	case wire.CmdHeaders:
		return mk(func() wire.Message { return new(wire.MsgHeaders) }, new(wire.MsgHeaders).MaxPayloadLength(wire.ProtocolVersion))
	case wire.CmdTx:
		return mk(func() wire.Message { return new(wire.MsgTx) }, MaxTxSize)
	case wire.CmdReject:
		return mk(func() wire.Message { return new(wire.MsgReject) }, maxRejectPayload)
	}
	return msgSpec{}, false
}

// readMessage reads one message from r. It checks the header before it
// allocates the payload, so memory per message is bounded by the command's
// limit (specFor). A command this package does not decode is read, discarded
// and returned as (nil, command, nil) so that the caller can ignore it.
func readMessage(r io.Reader, magic wire.BitcoinNet, pver uint32) (wire.Message, string, error) {
	var hb [headerSize]byte
	if _, err := io.ReadFull(r, hb[:]); err != nil {
		return nil, "", err
	}
	h, err := decodeHeader(hb[:])
	if err != nil {
		return nil, "", err
	}
	if h.magic != magic {
		return nil, h.command, fmt.Errorf("magic %#08x, want %#08x: %w", uint32(h.magic), uint32(magic), ErrWrongNetwork)
	}
	spec, ok := specFor(h.command)
	if !ok {
		return nil, h.command, discard(r, h)
	}
	if h.length > spec.max {
		return nil, h.command, fmt.Errorf("%s of %d bytes, limit %d: %w", h.command, h.length, spec.max, ErrTooLarge)
	}
	payload, err := readPayload(r, int(h.length))
	if err != nil {
		return nil, h.command, fmt.Errorf("%s payload: %w", h.command, err)
	}
	if sum := chainhash.DoubleHashB(payload); !bytes.Equal(sum[:4], h.checksum[:]) {
		return nil, h.command, fmt.Errorf("%s: %w", h.command, ErrChecksum)
	}
	if err := checkShape(h.command, payload); err != nil {
		return nil, h.command, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	msg := spec.empty()
	// MsgVersion insists on a *bytes.Buffer.
	if err := msg.BtcDecode(bytes.NewBuffer(payload), pver, wire.WitnessEncoding); err != nil {
		return nil, h.command, fmt.Errorf("%s: %w: %v", h.command, ErrMalformed, err)
	}
	return msg, h.command, nil
}

// payloadChunk is the most a payload read allocates ahead of the bytes
// that have arrived.
const payloadChunk = 32 * 1024

// readPayload reads n bytes. Its buffer grows (doubling, from payloadChunk)
// only as the bytes arrive, so a 24-byte header announcing a payload of
// hundreds of kilobytes that never comes costs payloadChunk, not the
// announced size.
func readPayload(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, payloadChunk))
	for len(buf) < n {
		k := min(n-len(buf), max(len(buf), payloadChunk))
		buf = slices.Grow(buf, k)
		if _, err := io.ReadFull(r, buf[len(buf):len(buf)+k]); err != nil {
			if errors.Is(err, io.EOF) && len(buf) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		buf = buf[:len(buf)+k]
	}
	return buf, nil
}

// discard skips the payload of an ignored command.
func discard(r io.Reader, h msgHeader) error {
	if h.length > maxIgnoredPayload {
		return fmt.Errorf("ignored command %q of %d bytes, limit %d: %w", h.command, h.length, maxIgnoredPayload, ErrTooLarge)
	}
	if _, err := io.CopyN(io.Discard, r, int64(h.length)); err != nil {
		return fmt.Errorf("%s payload: %w", h.command, err)
	}
	return nil
}

// encodeMessage returns the framed bytes of msg (header and payload), so
// that a message goes to the socket in one write.
func encodeMessage(msg wire.Message, magic wire.BitcoinNet, pver uint32, enc wire.MessageEncoding) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := wire.WriteMessageWithEncodingN(&buf, msg, pver, magic, enc); err != nil {
		return nil, fmt.Errorf("encode %s: %w", msg.Command(), err)
	}
	return buf.Bytes(), nil
}
