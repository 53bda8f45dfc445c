package link

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Version is the protocol version this package speaks.
const Version = 1

// Sizes of the frame format (docs/protocol.md, "Frames").
const (
	// WholeOverhead is the size of a whole frame around its body: the
	// header byte, the type byte and a 4-byte CRC-32C.
	WholeOverhead = 1 + 1 + 4
	// FragmentOverhead is the size of a fragment frame around its shard:
	// header byte, type byte, 4-byte message id, k, index, pad, and a
	// 2-byte truncated CRC-32C.
	FragmentOverhead = 1 + 1 + IDSize + 1 + 1 + 1 + 2
	// IDSize is the length of a message id.
	IDSize = 4
	// MaxFrame is the largest frame a receiver decodes. Every driver's MTU
	// is below it (LoRa 255, AX.25 256 by default); anything larger is not
	// a v1 frame.
	MaxFrame = 1024
	// MaxMessage is the largest message body, whole or reassembled. It
	// bounds what one reassembly may allocate: a run of 255 compressed
	// headers is about 11 KiB.
	MaxMessage = 16 << 10
	// MaxFragments is the number of distinct fragment indexes: the
	// Reed-Solomon code over GF(2^8) has at most 256 shards, and index 255
	// is reserved.
	MaxFragments = 255
)

// Network is the Bitcoin network a frame belongs to.
type Network uint8

// Networks, as coded in bits 3-2 of the header byte.
const (
	Mainnet Network = 0
	Testnet Network = 1 // testnet3
	Signet  Network = 2
	Regtest Network = 3
)

var networkNames = [...]string{Mainnet: "mainnet", Testnet: "testnet", Signet: "signet", Regtest: "regtest"}

// String returns the network's name.
func (n Network) String() string {
	if int(n) < len(networkNames) {
		return networkNames[n]
	}
	return fmt.Sprintf("Network(%d)", uint8(n))
}

// ParseNetwork returns the network named s ("mainnet", "testnet",
// "signet" or "regtest").
func ParseNetwork(s string) (Network, error) {
	for i, name := range networkNames {
		if name == s {
			return Network(i), nil
		}
	}
	return 0, fmt.Errorf("link: unknown network %q (want mainnet, testnet, signet or regtest)", s)
}

// Type is a message type.
type Type uint8

// Message types of version 1. Receivers skip types they do not know, so
// later versions can add more without breaking old receivers.
const (
	TypeHeaderRun     Type = 1
	TypeTip           Type = 2
	TypeTx            Type = 3
	TypeTxAck         Type = 4
	TypeHeaderRequest Type = 5
)

var typeNames = [...]string{TypeHeaderRun: "headers", TypeTip: "tip", TypeTx: "tx", TypeTxAck: "txack", TypeHeaderRequest: "getheaders"}

// Known reports whether t is a type of this version.
func (t Type) Known() bool { return t >= TypeHeaderRun && t <= TypeHeaderRequest }

// String returns the type's name, as configuration names it.
func (t Type) String() string {
	if t.Known() {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// ParseType returns the type named s, as printed by Type.String.
func ParseType(s string) (Type, error) {
	for t := TypeHeaderRun; t.Known(); t++ {
		if typeNames[t] == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("link: unknown message type %q (want headers, tip, tx, txack or getheaders)", s)
}

// Header byte layout: vvvv nn f r (version, network, fragment flag,
// reserved zero).
const (
	hdrVersionShift = 4
	hdrNetworkShift = 2
	hdrFragment     = 1 << 1
	hdrReserved     = 1 << 0
)

func headerByte(n Network, fragment bool) byte {
	b := byte(Version)<<hdrVersionShift | byte(n)<<hdrNetworkShift
	if fragment {
		b |= hdrFragment
	}
	return b
}

// Errors of frame decoding. Receivers count and drop such frames.
var (
	ErrShort    = errors.New("link: frame too short")
	ErrLong     = errors.New("link: frame longer than MaxFrame")
	ErrChecksum = errors.New("link: frame check failed")
	ErrVersion  = errors.New("link: unknown protocol version")
	ErrReserved = errors.New("link: reserved header bit set")
	ErrGeometry = errors.New("link: impossible fragment geometry")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Frame is one decoded frame. Body and Shard alias the decoded buffer.
type Frame struct {
	Network  Network
	Type     Type
	Fragment bool
	// Body is the message body of a whole frame.
	Body []byte
	// The fragment fields, valid when Fragment is set.
	ID    [IDSize]byte
	K     int // data fragments, 1..255
	Index int // 0..254; below K a data fragment, from K on parity
	Pad   int // padding at the end of the last data fragment
	Shard []byte
}

// MessageLen returns the length of the message a fragment belongs to.
func (f *Frame) MessageLen() int { return f.K*len(f.Shard) - f.Pad }

// AppendWhole appends a whole frame carrying body to dst.
func AppendWhole(dst []byte, n Network, t Type, body []byte) []byte {
	start := len(dst)
	dst = append(dst, headerByte(n, false), byte(t))
	dst = append(dst, body...)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// AppendFragment appends a fragment frame to dst.
func AppendFragment(dst []byte, n Network, t Type, id [IDSize]byte, k, index, pad int, shard []byte) []byte {
	start := len(dst)
	dst = append(dst, headerByte(n, true), byte(t))
	dst = append(dst, id[:]...)
	dst = append(dst, byte(k), byte(index), byte(pad))
	dst = append(dst, shard...)
	return binary.LittleEndian.AppendUint16(dst, uint16(crc32.Checksum(dst[start:], castagnoli)))
}

// DecodeFrame decodes one frame. It checks the version, the reserved bit,
// the check value and, for fragments, that the geometry is possible; it
// does not judge the type or the body (a Receiver does). The returned
// frame aliases b.
func DecodeFrame(b []byte) (Frame, error) {
	switch {
	case len(b) < WholeOverhead:
		return Frame{}, fmt.Errorf("%w: %d bytes", ErrShort, len(b))
	case len(b) > MaxFrame:
		return Frame{}, fmt.Errorf("%w: %d bytes", ErrLong, len(b))
	case b[0]>>hdrVersionShift != Version:
		return Frame{}, fmt.Errorf("%w %d", ErrVersion, b[0]>>hdrVersionShift)
	case b[0]&hdrReserved != 0:
		return Frame{}, ErrReserved
	}
	f := Frame{Network: Network(b[0] >> hdrNetworkShift & 3), Type: Type(b[1]), Fragment: b[0]&hdrFragment != 0}
	if !f.Fragment {
		end := len(b) - 4
		if binary.LittleEndian.Uint32(b[end:]) != crc32.Checksum(b[:end], castagnoli) {
			return Frame{}, ErrChecksum
		}
		f.Body = b[2:end]
		return f, nil
	}
	if len(b) < FragmentOverhead+1 {
		return Frame{}, fmt.Errorf("%w: fragment of %d bytes", ErrShort, len(b))
	}
	end := len(b) - 2
	if binary.LittleEndian.Uint16(b[end:]) != uint16(crc32.Checksum(b[:end], castagnoli)) {
		return Frame{}, ErrChecksum
	}
	copy(f.ID[:], b[2:6])
	f.K, f.Index, f.Pad = int(b[6]), int(b[7]), int(b[8])
	f.Shard = b[9:end]
	if err := f.checkGeometry(); err != nil {
		return Frame{}, err
	}
	return f, nil
}

func (f *Frame) checkGeometry() error {
	switch {
	case f.K == 0:
		return fmt.Errorf("%w: k = 0", ErrGeometry)
	case f.Index >= MaxFragments:
		return fmt.Errorf("%w: index %d", ErrGeometry, f.Index)
	case f.Pad >= len(f.Shard):
		return fmt.Errorf("%w: pad %d of a %d-byte shard", ErrGeometry, f.Pad, len(f.Shard))
	case f.MessageLen() > MaxMessage:
		return fmt.Errorf("%w: message of %d bytes", ErrGeometry, f.MessageLen())
	}
	return nil
}
