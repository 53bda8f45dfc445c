package compress

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// ErrNotConnected reports headers given to the encoder that do not form a
// chain: a header whose prev-hash is not the hash of the header before it.
var ErrNotConnected = errors.New("headers do not connect")

// minHeaderBytes is a lower bound on the coded size of one header in a run:
// its merkle root alone is 32 raw bytes. Decoders use it to reject a count
// that the input cannot hold before allocating for it.
const minHeaderBytes = 32

// RunInfo is the prelude of a form (a) header run.
type RunInfo struct {
	Start   int32 // height of the run's first header
	Count   int   // number of headers in the run
	History int   // headers before Start the model learns from (1..MaxHistory)
}

// EncodeRun appends to dst the form (a) encoding of headers, a run of
// consecutive headers of which the first is at height start, for a receiver
// whose chain holds at least the history headers before start (1 means only
// the predecessor; MaxHistory gives the best compression). It fails when c
// lacks one of those headers or the headers do not link up.
func EncodeRun(dst []byte, c Chain, start int32, history int, headers []wire.BlockHeader) ([]byte, error) {
	info := RunInfo{Start: start, Count: len(headers), History: history}
	if err := info.check(); err != nil {
		return dst, err
	}
	n := len(dst)
	out, err := EncodeRunBody(info.append(dst), c, info, headers)
	if err != nil {
		return out[:n], err
	}
	return out, nil
}

// EncodeRunBody is EncodeRun without the prelude, for a caller that carries
// the RunInfo itself (info.Count must be len(headers)); DecodeRunBody
// decodes it.
func EncodeRunBody(dst []byte, c Chain, info RunInfo, headers []wire.BlockHeader) ([]byte, error) {
	if err := info.check(); err != nil {
		return dst, err
	}
	if info.Count != len(headers) {
		return dst, fmt.Errorf("compress: run info counts %d headers, %d given", info.Count, len(headers))
	}
	m, prevHash, prevBits, err := loadHistory(c, info)
	if err != nil {
		return dst, err
	}
	e := newEncoder(dst)
	for i := range headers {
		hd := &headers[i]
		if hd.PrevBlock != prevHash {
			return dst, fmt.Errorf("compress: header %d (height %d): %w", i, int64(info.Start)+int64(i), ErrNotConnected)
		}
		var h header
		if err := fromWire(&h, hd); err != nil {
			return dst, fmt.Errorf("compress: header %d: %w", i, err)
		}
		pred := m.predictBits(c, info.Start, i, prevBits)
		m.encodeHeader(e, &h, pred)
		m.push(h.version, h.time, h.nonce)
		prevHash, prevBits = hashHeader(&h, &prevHash), h.bits
	}
	return e.finish(), nil
}

// DecodeRun decodes a form (a) run made by EncodeRun, consulting c
// for the headers before it. Besides the run's headers it returns its
// prelude. Every failure is a *FormatError; ErrMissingContext says the chain
// lacks a header the run refers to (ReadRunInfo tells which, up front).
func DecodeRun(c Chain, b []byte) (RunInfo, []wire.BlockHeader, error) {
	info, n, err := ReadRunInfo(b)
	if err != nil {
		return info, nil, err
	}
	hs, err := decodeRunBody(c, info, b[n:], n)
	return info, hs, err
}

// DecodeRunBody decodes a body made by EncodeRunBody for the same info.
// Errors are as DecodeRun's, with offsets into body.
func DecodeRunBody(c Chain, info RunInfo, body []byte) ([]wire.BlockHeader, error) {
	if err := info.check(); err != nil {
		return nil, formatErr(0, "run info", fmt.Errorf("%w: %v", ErrCorrupt, err))
	}
	if info.Count > (len(body)+4)/minHeaderBytes {
		return nil, formatErr(len(body), fmt.Sprintf("run of %d headers", info.Count), ErrTruncated)
	}
	return decodeRunBody(c, info, body, 0)
}

// decodeRunBody decodes the body of a run whose count the caller has
// checked against the body's length; base is the body's offset in the
// message, for errors.
func decodeRunBody(c Chain, info RunInfo, body []byte, base int) ([]wire.BlockHeader, error) {
	m, prevHash, prevBits, err := loadHistory(c, info)
	if err != nil {
		return nil, formatErr(base, "history", err)
	}
	out := make([]wire.BlockHeader, info.Count)
	d := newDecoder(body, base)
	for i := range out {
		var h header
		pred := m.predictBits(c, info.Start, i, prevBits)
		d.unit, d.index = "header", i
		m.decodeHeader(d, &h, pred)
		if d.err != nil {
			return nil, d.err
		}
		toWire(&out[i], &h, &prevHash)
		m.push(h.version, h.time, h.nonce)
		prevHash, prevBits = hashHeader(&h, &prevHash), h.bits
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadRunInfo reads the prelude of a form (a) run and returns it with its
// length in bytes. It checks the count against the input's length, so a
// caller may allocate for Count headers.
func ReadRunInfo(b []byte) (RunInfo, int, error) {
	var info RunInfo
	start, n, err := readUvarint(b)
	if err != nil {
		return info, 0, formatErr(0, "run start height", err)
	}
	cv, k, err := readUvarint(b[n:])
	if err != nil {
		return info, n, formatErr(n, "run count", err)
	}
	n += k
	history := uint64(MaxHistory)
	if cv&1 == 1 {
		if history, k, err = readUvarint(b[n:]); err != nil {
			return info, n, formatErr(n, "run history", err)
		}
		n += k
		if history >= MaxHistory {
			return info, n, formatErr(n-k, "run history", ErrCorrupt)
		}
	}
	if start > 1<<31-1 || cv>>1 >= uint64(len(b)) {
		return info, n, formatErr(0, "run prelude", ErrTooLarge)
	}
	info = RunInfo{Start: int32(start), Count: int(cv>>1) + 1, History: int(history)}
	if err := info.check(); err != nil {
		return info, n, formatErr(0, "run prelude", ErrCorrupt)
	}
	if info.Count*minHeaderBytes > len(b)-n+4 {
		return info, n, formatErr(len(b), fmt.Sprintf("run of %d headers", info.Count), ErrTruncated)
	}
	return info, n, nil
}

func (info RunInfo) check() error {
	switch {
	case info.Count < 1:
		return fmt.Errorf("compress: empty header run")
	case info.History < 1 || info.History > MaxHistory:
		return fmt.Errorf("compress: history %d outside 1..%d", info.History, MaxHistory)
	case int64(info.Start)-int64(info.History) < 0:
		return fmt.Errorf("compress: history %d reaches below height 0 from %d", info.History, info.Start)
	}
	return nil
}

func (info RunInfo) append(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(info.Start))
	if info.History == MaxHistory {
		return binary.AppendUvarint(dst, uint64(info.Count-1)<<1)
	}
	dst = binary.AppendUvarint(dst, uint64(info.Count-1)<<1|1)
	return binary.AppendUvarint(dst, uint64(info.History))
}

// loadHistory builds the model from the history headers of the run and
// returns it with the predecessor's hash and nBits.
func loadHistory(c Chain, info RunInfo) (*headerModel, chainhash.Hash, uint32, error) {
	m := newHeaderModel(min(MaxHistory, info.History+info.Count))
	var last wire.BlockHeader
	for h := info.Start - int32(info.History); h < info.Start; h++ {
		hd, ok := c.Header(h)
		if !ok {
			return nil, chainhash.Hash{}, 0, fmt.Errorf("compress: header at height %d: %w", h, ErrMissingContext)
		}
		m.push(uint32(hd.Version), uint32(hd.Timestamp.Unix()), hd.Nonce)
		last = hd
	}
	return m, last.BlockHash(), last.Bits, nil
}

// predictBits returns the nBits form (a) expects of the i-th header of a run
// starting at start: the chain's answer for the first header, and for later
// ones the predecessor's nBits, or mainnet's retarget rule at a multiple of
// RetargetInterval when the window reaches back to the period's first header.
func (m *headerModel) predictBits(c Chain, start int32, i int, prevBits uint32) uint32 {
	height := int64(start) + int64(i)
	if i == 0 {
		if b, ok := c.ExpectedBits(start); ok {
			return b
		}
		return prevBits
	}
	if height%RetargetInterval != 0 || m.n < MaxHistory {
		return prevBits
	}
	return PredictBits(prevBits, m.at(0).time, m.last().time)
}

func fromWire(h *header, w *wire.BlockHeader) error {
	t := w.Timestamp.Unix()
	if t < 0 || t > 0xFFFFFFFF {
		return fmt.Errorf("timestamp %d does not fit the 32-bit header field", t)
	}
	*h = header{version: uint32(w.Version), time: uint32(t), bits: w.Bits, nonce: w.Nonce, merkle: w.MerkleRoot}
	return nil
}

func toWire(w *wire.BlockHeader, h *header, prev *chainhash.Hash) {
	*w = wire.BlockHeader{
		Version:    int32(h.version),
		PrevBlock:  *prev,
		MerkleRoot: h.merkle,
		Timestamp:  time.Unix(int64(h.time), 0),
		Bits:       h.bits,
		Nonce:      h.nonce,
	}
}

// hashHeader returns the block hash of h with prev-hash prev.
func hashHeader(h *header, prev *chainhash.Hash) chainhash.Hash {
	var b [80]byte
	putHeader(b[:], h, prev)
	first := sha256.Sum256(b[:])
	return sha256.Sum256(first[:])
}

// putHeader writes the 80-byte consensus serialization of h into b.
func putHeader(b []byte, h *header, prev *chainhash.Hash) {
	binary.LittleEndian.PutUint32(b[0:], h.version)
	copy(b[4:36], prev[:])
	copy(b[36:68], h.merkle[:])
	binary.LittleEndian.PutUint32(b[68:], h.time)
	binary.LittleEndian.PutUint32(b[72:], h.bits)
	binary.LittleEndian.PutUint32(b[76:], h.nonce)
}
