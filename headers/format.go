package headers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// The on-flash formats (docs/headers.md draws them byte by byte).
//
// A header record is the 80-byte header without what the chain already
// knows: the prev-hash (the hash of the record before) and nBits (what the
// retarget rules require at that height). The time is a 16-bit difference
// from the previous header's time; the rare header more than 32767 s away
// from its parent (a few in 2009) takes a second slot holding its full time.
const (
	recordSize = 46 // one slot of the headers file
	recPayload = 42 // the bytes a slot's checksum covers besides the chain
	timeEscape = math.MinInt16

	metaMagic   = "ALTNHDRS"
	metaVersion = 1
	metaSize    = 183 // one copy; the meta file holds two

	journalMagic = "ALTNJRNL"
	journalHead  = 52
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errRecord reports a slot that does not decode: a torn write, garbage or
// a record that does not belong after its predecessor.
var errRecord = errors.New("bad record")

// putHeader writes h's 80-byte consensus serialization into b.
func putHeader(b *[80]byte, h *wire.BlockHeader) {
	binary.LittleEndian.PutUint32(b[0:4], uint32(h.Version))
	copy(b[4:36], h.PrevBlock[:])
	copy(b[36:68], h.MerkleRoot[:])
	binary.LittleEndian.PutUint32(b[68:72], uint32(h.Timestamp.Unix()))
	binary.LittleEndian.PutUint32(b[72:76], h.Bits)
	binary.LittleEndian.PutUint32(b[76:80], h.Nonce)
}

// headerHash is h's block hash, computed without allocating.
func headerHash(h *wire.BlockHeader) chainhash.Hash {
	var b [80]byte
	putHeader(&b, h)
	return chainhash.DoubleHashH(b[:])
}

// appendRecord appends the record of h (one slot, or two when its time is
// too far from prevTime) to dst. prevHash is the hash of h's parent, which
// the checksum binds the record to.
func appendRecord(dst []byte, h *wire.BlockHeader, prevHash *chainhash.Hash, prevTime uint32) []byte {
	t := uint32(h.Timestamp.Unix())
	d := int64(t) - int64(prevTime)
	delta := int16(timeEscape)
	if d > timeEscape && d <= math.MaxInt16 {
		delta = int16(d)
	}
	var r [recordSize]byte
	binary.LittleEndian.PutUint32(r[0:4], uint32(h.Version))
	copy(r[4:36], h.MerkleRoot[:])
	binary.LittleEndian.PutUint16(r[36:38], uint16(delta))
	binary.LittleEndian.PutUint32(r[38:42], h.Nonce)
	crc := crc32.Update(crc32.Checksum(prevHash[:], castagnoli), castagnoli, r[:recPayload])
	binary.LittleEndian.PutUint32(r[42:46], crc)
	dst = append(dst, r[:]...)
	if delta != timeEscape {
		return dst
	}
	var x [recordSize]byte
	binary.LittleEndian.PutUint32(x[0:4], t)
	binary.LittleEndian.PutUint32(x[42:46], extCRC(crc, x[:recPayload]))
	return append(dst, x[:]...)
}

func extCRC(recCRC uint32, payload []byte) uint32 {
	var c [4]byte
	binary.LittleEndian.PutUint32(c[:], recCRC)
	return crc32.Update(crc32.Checksum(c[:], castagnoli), castagnoli, payload)
}

// decodeRecord reads the record in slot r (and ext, the following slot,
// when the record needs it) into h: everything but nBits, which the caller
// sets. It reports whether the record used the extension slot; when it
// does and ext is nil, it returns errNeedExt.
func decodeRecord(r, ext []byte, prevHash *chainhash.Hash, prevTime uint32, h *wire.BlockHeader) (usedExt bool, err error) {
	if len(r) != recordSize {
		return false, errRecord
	}
	crc := crc32.Update(crc32.Checksum(prevHash[:], castagnoli), castagnoli, r[:recPayload])
	if binary.LittleEndian.Uint32(r[42:46]) != crc {
		return false, fmt.Errorf("%w: checksum", errRecord)
	}
	h.Version = int32(binary.LittleEndian.Uint32(r[0:4]))
	h.PrevBlock = *prevHash
	copy(h.MerkleRoot[:], r[4:36])
	h.Nonce = binary.LittleEndian.Uint32(r[38:42])
	delta := int16(binary.LittleEndian.Uint16(r[36:38]))
	if delta != timeEscape {
		t := int64(prevTime) + int64(delta)
		if t < 0 || t > math.MaxUint32 {
			return false, fmt.Errorf("%w: time out of range", errRecord)
		}
		h.Timestamp = time.Unix(t, 0)
		return false, nil
	}
	if ext == nil {
		return true, errNeedExt
	}
	if len(ext) != recordSize || binary.LittleEndian.Uint32(ext[42:46]) != extCRC(crc, ext[:recPayload]) {
		return true, fmt.Errorf("%w: extension checksum", errRecord)
	}
	if !allZero(ext[4:recPayload]) {
		return true, fmt.Errorf("%w: extension padding", errRecord)
	}
	t := binary.LittleEndian.Uint32(ext[0:4])
	if d := int64(t) - int64(prevTime); d > timeEscape && d <= math.MaxInt16 {
		return true, fmt.Errorf("%w: needless extension", errRecord)
	}
	h.Timestamp = time.Unix(int64(t), 0)
	return true, nil
}

var errNeedExt = errors.New("record needs its extension slot")

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// meta is the store's fixed description: the network and the checkpoint.
type meta struct {
	net wire.BitcoinNet
	cp  Checkpoint
}

// encodeMeta returns the meta file: two identical copies, each checksummed.
func encodeMeta(m meta) []byte {
	b := make([]byte, metaSize)
	copy(b[0:8], metaMagic)
	binary.LittleEndian.PutUint16(b[8:10], metaVersion)
	binary.LittleEndian.PutUint32(b[10:14], uint32(m.net))
	binary.LittleEndian.PutUint32(b[14:18], uint32(m.cp.Height))
	var hb [80]byte
	putHeader(&hb, &m.cp.Header)
	copy(b[18:98], hb[:])
	m.cp.Work.FillBytes(b[98:130])
	binary.LittleEndian.PutUint32(b[130:134], m.cp.PeriodTime)
	binary.LittleEndian.PutUint32(b[134:138], m.cp.PeriodBits)
	b[138] = byte(len(m.cp.PrevTimes))
	for i, t := range m.cp.PrevTimes {
		binary.LittleEndian.PutUint32(b[139+4*i:], t)
	}
	binary.LittleEndian.PutUint32(b[179:183], crc32.Checksum(b[:179], castagnoli))
	return append(b, b...)
}

// decodeMeta reads a meta file, using whichever copy is intact.
func decodeMeta(b []byte) (meta, error) {
	if len(b) != 2*metaSize {
		return meta{}, fmt.Errorf("meta is %d bytes, want %d", len(b), 2*metaSize)
	}
	m0, err0 := decodeMetaCopy(b[:metaSize])
	m1, err1 := decodeMetaCopy(b[metaSize:])
	switch {
	case err0 == nil && err1 == nil && !bytes.Equal(b[:metaSize], b[metaSize:]):
		return meta{}, errors.New("meta copies differ")
	case err0 == nil:
		return m0, nil
	case err1 == nil:
		return m1, nil
	}
	return meta{}, err0
}

func decodeMetaCopy(b []byte) (meta, error) {
	if string(b[0:8]) != metaMagic {
		return meta{}, errors.New("meta: bad magic")
	}
	if crc32.Checksum(b[:179], castagnoli) != binary.LittleEndian.Uint32(b[179:183]) {
		return meta{}, errors.New("meta: checksum")
	}
	if v := binary.LittleEndian.Uint16(b[8:10]); v != metaVersion {
		return meta{}, fmt.Errorf("meta: format version %d, this build reads %d", v, metaVersion)
	}
	var m meta
	m.net = wire.BitcoinNet(binary.LittleEndian.Uint32(b[10:14]))
	m.cp.Height = int32(binary.LittleEndian.Uint32(b[14:18]))
	if err := m.cp.Header.Deserialize(bytes.NewReader(b[18:98])); err != nil {
		return meta{}, fmt.Errorf("meta: header: %w", err)
	}
	m.cp.Work = new(big.Int).SetBytes(b[98:130])
	m.cp.PeriodTime = binary.LittleEndian.Uint32(b[130:134])
	m.cp.PeriodBits = binary.LittleEndian.Uint32(b[134:138])
	n := int(b[138])
	if n > MedianTimeBlocks-1 || !allZero(b[139+4*n:179]) {
		return meta{}, errors.New("meta: bad previous times")
	}
	for i := 0; i < n; i++ {
		m.cp.PrevTimes = append(m.cp.PrevTimes, binary.LittleEndian.Uint32(b[139+4*i:]))
	}
	return m, nil
}

// journalHeader describes a staged branch: it replaces every stored header
// above forkHeight (whose hash is forkHash) with count headers.
type journalHeader struct {
	forkHeight int32
	forkHash   chainhash.Hash
	count      uint32
}

func encodeJournalHeader(j journalHeader) []byte {
	b := make([]byte, journalHead)
	copy(b[0:8], journalMagic)
	binary.LittleEndian.PutUint32(b[8:12], uint32(j.forkHeight))
	copy(b[12:44], j.forkHash[:])
	binary.LittleEndian.PutUint32(b[44:48], j.count)
	binary.LittleEndian.PutUint32(b[48:52], crc32.Checksum(b[:48], castagnoli))
	return b
}

func decodeJournalHeader(b []byte) (journalHeader, error) {
	if len(b) < journalHead || string(b[0:8]) != journalMagic ||
		crc32.Checksum(b[:48], castagnoli) != binary.LittleEndian.Uint32(b[48:52]) {
		return journalHeader{}, errors.New("journal: bad header")
	}
	var j journalHeader
	j.forkHeight = int32(binary.LittleEndian.Uint32(b[8:12]))
	copy(j.forkHash[:], b[12:44])
	j.count = binary.LittleEndian.Uint32(b[44:48])
	return j, nil
}
