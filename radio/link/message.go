package link

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
)

// Message is one message of the link protocol.
type Message interface {
	// Type returns the message type.
	Type() Type
	// AppendBody appends the message body to dst, or returns an error if
	// the message cannot be encoded (a field out of range).
	AppendBody(dst []byte) ([]byte, error)
}

// Bounds on message fields.
const (
	// MaxRunCount is the most headers one run may claim: one retarget
	// period. A run's data is bounded by MaxMessage anyway.
	MaxRunCount = 2016
	// MaxWorkLen is the longest chain-work value: 256 bits.
	MaxWorkLen = 32
	// MaxLocator is the most entries in a header request's locator:
	// enough for an exponential locator over 2^31 heights.
	MaxLocator = 32
	// ShortIDSize is the length of a short txid or block hash prefix.
	ShortIDSize = 8
)

// ErrBody reports a message body that does not decode for its type.
var ErrBody = errors.New("link: malformed message body")

// ErrUnknownType is returned for a type this version does not know.
var ErrUnknownType = errors.New("link: unknown message type")

// HeaderRun is a run of consecutive block headers starting at Height,
// compressed by the compress package against the History headers before
// Height that the receiver's chain must hold. Check is the first CheckSize
// bytes of the hash (double SHA-256, internal byte order) of the run's last
// header: a receiver whose chain differs from the sender's in those History
// headers decodes different headers, and Check tells it so instead of
// letting it store headers nobody mined. The link layer does not look inside
// Data.
type HeaderRun struct {
	Height  uint32
	Count   uint16
	History uint16
	Check   [CheckSize]byte
	Data    []byte
}

// CheckSize is the length of a header run's check: 32 bits make a wrong
// decode pass unnoticed about once in four billion.
const CheckSize = 4

// headerRunPrelude is the fixed part of a header-run body: height (4),
// count (2), history (2) and check (4).
const headerRunPrelude = 4 + 2 + 2 + CheckSize

// Type returns TypeHeaderRun.
func (HeaderRun) Type() Type { return TypeHeaderRun }

// AppendBody appends the message body to dst.
func (m HeaderRun) AppendBody(dst []byte) ([]byte, error) {
	if m.Count == 0 || m.Count > MaxRunCount || m.History == 0 || m.History > MaxRunCount || len(m.Data) == 0 {
		return dst, fmt.Errorf("link: header run of %d headers (history %d) in %d bytes", m.Count, m.History, len(m.Data))
	}
	dst = binary.LittleEndian.AppendUint32(dst, m.Height)
	dst = binary.LittleEndian.AppendUint16(dst, m.Count)
	dst = binary.LittleEndian.AppendUint16(dst, m.History)
	dst = append(dst, m.Check[:]...)
	return append(dst, m.Data...), nil
}

func decodeHeaderRun(b []byte) (HeaderRun, error) {
	if len(b) < headerRunPrelude+1 {
		return HeaderRun{}, fmt.Errorf("%w: header run of %d bytes", ErrBody, len(b))
	}
	m := HeaderRun{
		Height:  binary.LittleEndian.Uint32(b),
		Count:   binary.LittleEndian.Uint16(b[4:]),
		History: binary.LittleEndian.Uint16(b[6:]),
		Data:    b[headerRunPrelude:],
	}
	copy(m.Check[:], b[8:])
	if m.Count == 0 || m.Count > MaxRunCount {
		return HeaderRun{}, fmt.Errorf("%w: header run count %d", ErrBody, m.Count)
	}
	if m.History == 0 || m.History > MaxRunCount {
		return HeaderRun{}, fmt.Errorf("%w: header run history %d", ErrBody, m.History)
	}
	return m, nil
}

// Tip announces the sender's best header: the header at Height, whose
// chain has total work Work. Header holds the standalone header as the
// compress package encodes it (or the raw 80 bytes).
type Tip struct {
	Height uint32
	Work   *big.Int
	Header []byte
}

// Type returns TypeTip.
func (Tip) Type() Type { return TypeTip }

// AppendBody encodes height (u32 LE), the work's length (u8) and its
// minimal big-endian bytes, then the header.
func (m Tip) AppendBody(dst []byte) ([]byte, error) {
	var work []byte
	if m.Work != nil {
		if m.Work.Sign() < 0 {
			return dst, fmt.Errorf("link: negative chain work")
		}
		work = m.Work.Bytes()
	}
	if len(work) > MaxWorkLen || len(m.Header) == 0 {
		return dst, fmt.Errorf("link: tip with %d-byte work and %d-byte header", len(work), len(m.Header))
	}
	dst = binary.LittleEndian.AppendUint32(dst, m.Height)
	dst = append(dst, byte(len(work)))
	dst = append(dst, work...)
	return append(dst, m.Header...), nil
}

func decodeTip(b []byte) (Tip, error) {
	if len(b) < 6 {
		return Tip{}, fmt.Errorf("%w: tip of %d bytes", ErrBody, len(b))
	}
	n := int(b[4])
	switch {
	case n > MaxWorkLen || len(b) < 5+n+1:
		return Tip{}, fmt.Errorf("%w: tip work of %d bytes in %d", ErrBody, n, len(b))
	case n > 0 && b[5] == 0:
		return Tip{}, fmt.Errorf("%w: tip work not minimal", ErrBody)
	}
	return Tip{Height: binary.LittleEndian.Uint32(b), Work: new(big.Int).SetBytes(b[5 : 5+n]), Header: b[5+n:]}, nil
}

// Tx is a transaction, compressed by the compress package.
type Tx struct{ Data []byte }

// Type returns TypeTx.
func (Tx) Type() Type { return TypeTx }

// AppendBody appends the compressed transaction.
func (m Tx) AppendBody(dst []byte) ([]byte, error) {
	if len(m.Data) == 0 {
		return dst, fmt.Errorf("link: empty transaction")
	}
	return append(dst, m.Data...), nil
}

// AckStatus is what a gateway did with a transaction.
type AckStatus uint8

// Acknowledgement statuses.
const (
	AckAccepted     AckStatus = 0
	AckAlreadyKnown AckStatus = 1
	AckRejected     AckStatus = 2
)

// String returns the status in words.
func (s AckStatus) String() string {
	switch s {
	case AckAccepted:
		return "accepted"
	case AckAlreadyKnown:
		return "already known"
	case AckRejected:
		return "rejected"
	}
	return fmt.Sprintf("AckStatus(%d)", uint8(s))
}

// TxAck acknowledges a transaction heard over radio. ShortID is the first
// 8 bytes of the transaction's wtxid (its txid when it has no witness) in
// internal byte order (as hashed, not as displayed): a copy with a broken
// signature shares the txid, not the wtxid.
// Reason is a BIP 61 reject code (0x01 malformed, 0x10 invalid, 0x11
// obsolete, 0x12 duplicate, 0x40 nonstandard, 0x41 dust, 0x42 insufficient
// fee, 0x43 checkpoint) when Status is AckRejected, and zero otherwise.
//
// With Tagged, Tag authenticates the acknowledgement (see Sign): a sender
// that shares an acknowledgement key with its gateways believes only
// tagged ones, so that nobody else in range can end its repeats with a
// forged "accepted". The tag is not encryption: the content stays in the
// clear, as amateur radio rules require.
type TxAck struct {
	ShortID [ShortIDSize]byte
	Status  AckStatus
	Reason  uint8
	Tagged  bool
	Tag     [TagSize]byte
}

// TagSize is the length of an acknowledgement's authentication tag.
const TagSize = 8

// ackTagContext separates acknowledgement tags from any other use of a key.
const ackTagContext = "altnet txack v1"

// Type returns TypeTxAck.
func (TxAck) Type() Type { return TypeTxAck }

// AppendBody encodes the short id, the status and the reason, and the tag
// when the acknowledgement is tagged.
func (m TxAck) AppendBody(dst []byte) ([]byte, error) {
	if err := m.check(); err != nil {
		return dst, err
	}
	dst = append(dst, m.ShortID[:]...)
	dst = append(dst, byte(m.Status), m.Reason)
	if m.Tagged {
		dst = append(dst, m.Tag[:]...)
	}
	return dst, nil
}

// Sign returns m tagged under key for network net: the tag is the first
// TagSize bytes of HMAC-SHA256(key, "altnet txack v1" || net || the short
// id, status and reason). Binding the network keeps a testnet
// acknowledgement from standing for a mainnet one.
func (m TxAck) Sign(net Network, key []byte) TxAck {
	m.Tagged, m.Tag = true, m.tag(net, key)
	return m
}

// Authentic reports whether m is tagged, and tagged under key for net.
func (m TxAck) Authentic(net Network, key []byte) bool {
	want := m.tag(net, key)
	return m.Tagged && hmac.Equal(m.Tag[:], want[:])
}

func (m TxAck) tag(net Network, key []byte) [TagSize]byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(ackTagContext))
	h.Write([]byte{byte(net)})
	h.Write(m.ShortID[:])
	h.Write([]byte{byte(m.Status), m.Reason})
	var t [TagSize]byte
	copy(t[:], h.Sum(nil))
	return t
}

func (m TxAck) check() error {
	switch {
	case m.Status > AckRejected:
		return fmt.Errorf("link: ack status %d", m.Status)
	case (m.Status == AckRejected) != (m.Reason != 0):
		return fmt.Errorf("link: ack status %v with reason %#x", m.Status, m.Reason)
	}
	return nil
}

func decodeTxAck(b []byte) (TxAck, error) {
	if len(b) != ShortIDSize+2 && len(b) != ShortIDSize+2+TagSize {
		return TxAck{}, fmt.Errorf("%w: ack of %d bytes", ErrBody, len(b))
	}
	var m TxAck
	copy(m.ShortID[:], b)
	m.Status, m.Reason = AckStatus(b[ShortIDSize]), b[ShortIDSize+1]
	if len(b) > ShortIDSize+2 {
		m.Tagged = true
		copy(m.Tag[:], b[ShortIDSize+2:])
	}
	if err := m.check(); err != nil {
		return TxAck{}, fmt.Errorf("%w: %w", ErrBody, err)
	}
	return m, nil
}

// LocatorEntry names one header the requester has: its height and the
// first 8 bytes of its hash in internal byte order.
type LocatorEntry struct {
	Height uint32
	Hash   [ShortIDSize]byte
}

// HeaderRequest asks a gateway on a two-way link for at most Max headers
// following the highest locator entry that is on the gateway's best chain.
// Locator heights strictly decrease.
type HeaderRequest struct {
	Max     uint16
	Locator []LocatorEntry
}

// Type returns TypeHeaderRequest.
func (HeaderRequest) Type() Type { return TypeHeaderRequest }

// AppendBody encodes max (u16 LE), the entry count (u8) and each entry as
// height (u32 LE) and hash prefix.
func (m HeaderRequest) AppendBody(dst []byte) ([]byte, error) {
	if err := m.check(); err != nil {
		return dst, err
	}
	dst = binary.LittleEndian.AppendUint16(dst, m.Max)
	dst = append(dst, byte(len(m.Locator)))
	for _, e := range m.Locator {
		dst = binary.LittleEndian.AppendUint32(dst, e.Height)
		dst = append(dst, e.Hash[:]...)
	}
	return dst, nil
}

func (m HeaderRequest) check() error {
	if m.Max == 0 || m.Max > MaxRunCount || len(m.Locator) == 0 || len(m.Locator) > MaxLocator {
		return fmt.Errorf("link: header request for %d headers with %d locator entries", m.Max, len(m.Locator))
	}
	for i := 1; i < len(m.Locator); i++ {
		if m.Locator[i].Height >= m.Locator[i-1].Height {
			return fmt.Errorf("link: locator heights not decreasing at entry %d", i)
		}
	}
	return nil
}

const locatorEntrySize = 4 + ShortIDSize

func decodeHeaderRequest(b []byte) (HeaderRequest, error) {
	if len(b) < 3 || len(b) != 3+int(b[2])*locatorEntrySize {
		return HeaderRequest{}, fmt.Errorf("%w: header request of %d bytes", ErrBody, len(b))
	}
	m := HeaderRequest{Max: binary.LittleEndian.Uint16(b), Locator: make([]LocatorEntry, b[2])}
	for i := range m.Locator {
		e := b[3+i*locatorEntrySize:]
		m.Locator[i].Height = binary.LittleEndian.Uint32(e)
		copy(m.Locator[i].Hash[:], e[4:])
	}
	if err := m.check(); err != nil {
		return HeaderRequest{}, fmt.Errorf("%w: %w", ErrBody, err)
	}
	return m, nil
}

// DecodeBody decodes the body of a message of type t. The message aliases
// body. Unknown types return ErrUnknownType.
func DecodeBody(t Type, body []byte) (Message, error) {
	switch t {
	case TypeHeaderRun:
		return decodeHeaderRun(body)
	case TypeTip:
		return decodeTip(body)
	case TypeTx:
		if len(body) == 0 {
			return nil, fmt.Errorf("%w: empty transaction", ErrBody)
		}
		return Tx{Data: body}, nil
	case TypeTxAck:
		return decodeTxAck(body)
	case TypeHeaderRequest:
		return decodeHeaderRequest(body)
	}
	return nil, fmt.Errorf("%w %d", ErrUnknownType, uint8(t))
}

// MessageID returns a message's id: the first 4 bytes of SHA-256 over the
// whole-frame header byte, the type byte and the body. It names the message
// in fragments, checks reassembly and suppresses duplicates.
func MessageID(n Network, t Type, body []byte) [IDSize]byte {
	h := sha256.New()
	h.Write([]byte{headerByte(n, false), byte(t)})
	h.Write(body)
	var id [IDSize]byte
	copy(id[:], h.Sum(nil))
	return id
}
