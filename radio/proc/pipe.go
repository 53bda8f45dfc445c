package proc

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/altnet/altnet/radio"
)

// The pipe protocol between the core and a driver child. Each message is
//
//	length (u16 LE: type + payload) | type (u8) | payload
//
// The child writes on its standard output, the core on the child's
// standard input. The core decodes what the child writes as hostile: a
// driver compromised through its device must not reach the core through
// the pipe, so every length is bounded and every field checked.

// MaxMessage bounds one pipe message: a hello with the airtime table of a
// link.MaxFrame MTU is 8 KiB.
const MaxMessage = 16 << 10

// MaxMTU is the largest MTU a child may announce (link.MaxFrame).
const MaxMTU = 1024

type msgType uint8

// Message types: child to core, then core to child.
const (
	msgHello  msgType = 1 // name, capabilities, airtime table
	msgFrame  msgType = 2 // a received frame
	msgSent   msgType = 3 // the result of a send
	msgBudget msgType = 4 // the budget now
	msgState  msgType = 5 // the driver's state changed
	msgPong   msgType = 6 // answer to a ping
	msgSend   msgType = 16
	msgPing   msgType = 17
)

// ErrProtocol reports a malformed pipe message.
var ErrProtocol = errors.New("proc: pipe protocol violation")

// appendMsg appends one framed message.
func appendMsg(dst []byte, t msgType, payload []byte) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, uint16(1+len(payload)))
	dst = append(dst, byte(t))
	return append(dst, payload...)
}

// reader reads framed messages.
type reader struct {
	r   *bufio.Reader
	buf []byte
}

func newReader(r io.Reader) *reader { return &reader{r: bufio.NewReaderSize(r, 4096)} }

// next returns the next message; the payload is valid until the next call.
func (r *reader) next() (msgType, []byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r.r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := int(binary.LittleEndian.Uint16(hdr[:]))
	if n == 0 || n > MaxMessage {
		return 0, nil, fmt.Errorf("%w: message of %d bytes", ErrProtocol, n)
	}
	if cap(r.buf) < n {
		r.buf = make([]byte, n)
	}
	b := r.buf[:n]
	if _, err := io.ReadFull(r.r, b); err != nil {
		return 0, nil, fmt.Errorf("%w: truncated message: %w", ErrProtocol, err)
	}
	return msgType(b[0]), b[1:], nil
}

// hello is what a child announces when its driver is up: name (u8
// length + bytes), direction (u8), MTU (u16), bit rate (u32), the budget
// (as a budget message), and the airtime of every frame length 0..MTU
// (u64 ns each).
type hello struct {
	name    string
	caps    radio.Capabilities
	budget  radio.Budget
	airtime []time.Duration // index n: airtime of n bytes, 0..MTU
}

const budgetSize = 1 + 4*8

func appendHello(dst []byte, h hello) []byte {
	dst = append(dst, byte(len(h.name)))
	dst = append(dst, h.name...)
	dst = append(dst, byte(h.caps.Direction))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(h.caps.MTU))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(h.caps.BitRate))
	dst = appendBudget(dst, h.budget)
	for _, d := range h.airtime {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(d))
	}
	return dst
}

func decodeHello(b []byte) (hello, error) {
	if len(b) < 1 || len(b) < 1+int(b[0])+7+budgetSize {
		return hello{}, fmt.Errorf("%w: hello of %d bytes", ErrProtocol, len(b))
	}
	// The name's end as an int: 1+b[0] in byte arithmetic wraps to 0 for a
	// 255-byte name (found by FuzzPipeMessages).
	end := 1 + int(b[0])
	h := hello{name: string(b[1:end])}
	b = b[end:]
	h.caps = radio.Capabilities{Direction: radio.Direction(b[0]), MTU: int(binary.LittleEndian.Uint16(b[1:])),
		BitRate: int(binary.LittleEndian.Uint32(b[3:]))}
	var err error
	if h.budget, err = decodeBudget(b[7 : 7+budgetSize]); err != nil {
		return hello{}, err
	}
	b = b[7+budgetSize:]
	switch {
	case h.caps.Direction > radio.ReceiveOnly:
		return hello{}, fmt.Errorf("%w: direction %d", ErrProtocol, h.caps.Direction)
	case h.caps.MTU < 1 || h.caps.MTU > MaxMTU || len(b) != 8*(h.caps.MTU+1):
		return hello{}, fmt.Errorf("%w: MTU %d with %d bytes of airtime table", ErrProtocol, h.caps.MTU, len(b))
	}
	h.airtime = make([]time.Duration, h.caps.MTU+1)
	for i := range h.airtime {
		v := binary.LittleEndian.Uint64(b[8*i:])
		if v > math.MaxInt64 {
			return hello{}, fmt.Errorf("%w: airtime %d", ErrProtocol, v)
		}
		h.airtime[i] = time.Duration(v)
	}
	return h, nil
}

// frameHeader is the fixed part of a frame message: time (i64 Unix ns),
// has-signal (u8), RSSI (i16), SNR (f64 bits).
const frameHeader = 8 + 1 + 2 + 8

func appendFrame(dst []byte, f radio.Frame) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, uint64(f.Time.UnixNano()))
	var sig byte
	if f.HasSignal {
		sig = 1
	}
	dst = append(dst, sig)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(int16(f.RSSI)))
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(f.SNR))
	return append(dst, f.Payload...)
}

// decodeFrame decodes a frame message; the payload is copied.
func decodeFrame(b []byte, driver string, mtu int) (radio.Frame, error) {
	if len(b) < frameHeader || len(b)-frameHeader > mtu || b[8] > 1 {
		return radio.Frame{}, fmt.Errorf("%w: frame message of %d bytes", ErrProtocol, len(b))
	}
	snr := math.Float64frombits(binary.LittleEndian.Uint64(b[11:]))
	if math.IsNaN(snr) || math.IsInf(snr, 0) {
		return radio.Frame{}, fmt.Errorf("%w: SNR %v", ErrProtocol, snr)
	}
	return radio.Frame{Driver: driver, Time: time.Unix(0, int64(binary.LittleEndian.Uint64(b))),
		HasSignal: b[8] == 1, RSSI: int(int16(binary.LittleEndian.Uint16(b[9:]))), SNR: snr,
		Payload: append([]byte(nil), b[frameHeader:]...)}, nil
}

// Send results, as coded in a sent message.
const (
	sentOK uint8 = iota
	sentBudget
	sentTooLarge
	sentReceiveOnly
	sentClosed
	sentOther
	sentCodes
)

// sent is the result of one send: seq (u32), code (u8), wait (i64 ns),
// then the error text.
type sent struct {
	seq  uint32
	code uint8
	wait time.Duration
	text string
}

func appendSent(dst []byte, s sent) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, s.seq)
	dst = append(dst, s.code)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(s.wait))
	return append(dst, s.text...)
}

func decodeSent(b []byte) (sent, error) {
	if len(b) < 13 || b[4] >= sentCodes {
		return sent{}, fmt.Errorf("%w: sent message of %d bytes", ErrProtocol, len(b))
	}
	s := sent{seq: binary.LittleEndian.Uint32(b), code: b[4], wait: time.Duration(binary.LittleEndian.Uint64(b[5:])), text: string(b[13:])}
	if s.wait < 0 {
		return sent{}, fmt.Errorf("%w: negative wait", ErrProtocol)
	}
	return s, nil
}

// sentOf codes a driver's Send error.
func sentOf(seq uint32, err error) sent {
	s := sent{seq: seq}
	var be *radio.BudgetError
	switch {
	case err == nil:
		return s
	case errors.As(err, &be):
		s.code, s.wait, s.text = sentBudget, be.Wait, be.Reason
	case errors.Is(err, radio.ErrTooLarge):
		s.code = sentTooLarge
	case errors.Is(err, radio.ErrReceiveOnly):
		s.code = sentReceiveOnly
	case errors.Is(err, radio.ErrClosed):
		s.code = sentClosed
	default:
		s.code, s.text = sentOther, err.Error()
	}
	return s
}

// err turns a sent result back into the driver's error.
func (s sent) err(driver string) error {
	switch s.code {
	case sentOK:
		return nil
	case sentBudget:
		return &radio.BudgetError{Driver: driver, Wait: s.wait, Reason: s.text}
	case sentTooLarge:
		return fmt.Errorf("proc: %s: %w", driver, radio.ErrTooLarge)
	case sentReceiveOnly:
		return fmt.Errorf("proc: %s: %w", driver, radio.ErrReceiveOnly)
	case sentClosed:
		return fmt.Errorf("proc: %s: child's driver: %w", driver, radio.ErrClosed)
	}
	return fmt.Errorf("proc: %s: %s", driver, s.text)
}

// appendBudget encodes limited (u8), window, allowed, used, max frame
// (i64 ns each).
func appendBudget(dst []byte, b radio.Budget) []byte {
	var lim byte
	if b.Limited {
		lim = 1
	}
	dst = append(dst, lim)
	for _, d := range []time.Duration{b.Window, b.Allowed, b.Used, b.MaxFrame} {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(d))
	}
	return dst
}

func decodeBudget(b []byte) (radio.Budget, error) {
	if len(b) != budgetSize || b[0] > 1 {
		return radio.Budget{}, fmt.Errorf("%w: budget message of %d bytes", ErrProtocol, len(b))
	}
	d := func(i int) time.Duration { return time.Duration(binary.LittleEndian.Uint64(b[1+8*i:])) }
	bu := radio.Budget{Limited: b[0] == 1, Window: d(0), Allowed: d(1), Used: d(2), MaxFrame: d(3)}
	if bu.Window < 0 || bu.Allowed < 0 || bu.Used < 0 || bu.MaxFrame < 0 || (bu.Limited && bu.Window == 0) {
		return radio.Budget{}, fmt.Errorf("%w: budget %+v", ErrProtocol, bu)
	}
	return bu, nil
}

// appendState encodes the state (u8) and the error text.
func appendState(dst []byte, s radio.State, err error) []byte {
	dst = append(dst, byte(s))
	if err != nil {
		dst = append(dst, err.Error()...)
	}
	return dst
}

func decodeState(b []byte) (radio.State, string, error) {
	if len(b) < 1 || radio.State(b[0]) > radio.Failed {
		return 0, "", fmt.Errorf("%w: state message of %d bytes", ErrProtocol, len(b))
	}
	return radio.State(b[0]), string(b[1:]), nil
}
