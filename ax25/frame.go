package ax25

import (
	"errors"
	"fmt"
)

// Frame sizes and fields.
const (
	// MaxDigipeaters is the most digipeater addresses a frame can carry
	// (AX.25 2.2 section 3.12.3).
	MaxDigipeaters = 8
	// MaxInfo is the largest information field this package encodes or
	// decodes: Direwolf's AX25_MAX_INFO_LEN. A TNC's PACLEN is usually far
	// smaller (256 by default).
	MaxInfo = 2048
	// MinFrameLen is the shortest frame: two addresses and a control octet.
	// Direwolf drops anything shorter.
	MinFrameLen = 2*AddressLen + 1
	// MaxFrameLen is the longest frame without FCS: ten addresses, two
	// control octets, a PID and MaxInfo (2123, as Direwolf's limit).
	MaxFrameLen = (2+MaxDigipeaters)*AddressLen + 3 + MaxInfo

	// ControlUI is the control field of an unnumbered information frame
	// with the poll/final bit clear.
	ControlUI = 0x03
	// PIDNoLayer3 is the protocol identifier "no layer 3 protocol", the
	// one APRS and AltNet use by default.
	PIDNoLayer3 = 0xF0
)

// Frame is one AX.25 frame without its FCS. Decode fills every field; the
// encoder writes them back.
//
// Control is one octet: this package does not track connections, so it
// cannot tell a modulo-128 I or S frame's second control octet from the
// information field; such octets stay at the start of Info.
type Frame struct {
	Dst, Src Address
	// Path holds up to MaxDigipeaters digipeaters, in the order they
	// repeat the frame.
	Path    []Address
	Control byte
	// PID is meaningful only when HasPID reports true (I and UI frames).
	PID  byte
	Info []byte
}

// NewUI returns a UI command frame from src to dst through path, as AX.25
// 2.2 section 6.1.2 marks commands: the command bit set in the destination,
// clear in the source; has-been-repeated bits clear.
func NewUI(src, dst Address, path []Address, pid byte, info []byte) Frame {
	src.Flag, dst.Flag = false, true
	p := make([]Address, len(path))
	for i, a := range path {
		a.Flag = false
		p[i] = a
	}
	return Frame{Dst: dst, Src: src, Path: p, Control: ControlUI, PID: pid, Info: info}
}

// IsUI reports whether f is an unnumbered information frame (poll bit
// either way).
func (f *Frame) IsUI() bool { return f.Control&^0x10 == ControlUI }

// HasPID reports whether the control field announces a PID octet: I frames
// (bit 0 clear) and UI frames.
func (f *Frame) HasPID() bool { return f.Control&1 == 0 || f.IsUI() }

// HeaderLen returns the encoded size of f without Info: the addresses, the
// control octet and the PID when there is one.
func (f *Frame) HeaderLen() int {
	n := (2+len(f.Path))*AddressLen + 1
	if f.HasPID() {
		n++
	}
	return n
}

// Encoding errors.
var (
	// ErrTooManyDigipeaters reports a path longer than MaxDigipeaters.
	ErrTooManyDigipeaters = errors.New("ax25: more than 8 digipeaters")
	// ErrInfoTooLong reports an information field above MaxInfo.
	ErrInfoTooLong = errors.New("ax25: information field too long")
	// ErrShort reports a frame that ends before its fields do.
	ErrShort = errors.New("ax25: frame too short")
	// ErrTooLong reports a frame above MaxFrameLen.
	ErrTooLong = errors.New("ax25: frame too long")
)

// AppendBinary appends the encoded frame (without FCS) to b. It checks every
// address, the path length and the information field's size first and
// appends nothing on error.
func (f *Frame) AppendBinary(b []byte) ([]byte, error) {
	if err := f.check(); err != nil {
		return b, err
	}
	b = appendAddress(b, f.Dst, false)
	b = appendAddress(b, f.Src, len(f.Path) == 0)
	for i, a := range f.Path {
		b = appendAddress(b, a, i == len(f.Path)-1)
	}
	b = append(b, f.Control)
	if f.HasPID() {
		b = append(b, f.PID)
	}
	return append(b, f.Info...), nil
}

// MarshalBinary returns the encoded frame without FCS.
func (f *Frame) MarshalBinary() ([]byte, error) {
	return f.AppendBinary(make([]byte, 0, f.HeaderLen()+len(f.Info)))
}

func (f *Frame) check() error {
	if len(f.Path) > MaxDigipeaters {
		return fmt.Errorf("ax25: %d digipeaters: %w", len(f.Path), ErrTooManyDigipeaters)
	}
	if len(f.Info) > MaxInfo {
		return fmt.Errorf("ax25: %d bytes of information, limit %d: %w", len(f.Info), MaxInfo, ErrInfoTooLong)
	}
	if err := f.Dst.Valid(); err != nil {
		return fmt.Errorf("ax25: destination: %w", err)
	}
	if err := f.Src.Valid(); err != nil {
		return fmt.Errorf("ax25: source: %w", err)
	}
	for i, a := range f.Path {
		if err := a.Valid(); err != nil {
			return fmt.Errorf("ax25: digipeater %d: %w", i+1, err)
		}
	}
	return nil
}

// Decode parses one frame without FCS (as KISS carries it). Every length is
// checked before use: p must hold 2 to 10 addresses, the last one marked,
// then a control octet and, for I and UI frames, a PID. The returned
// frame's Info is a copy. Errors wrap ErrShort, ErrTooLong or ErrAddress and
// give the offset of the offending octet.
func Decode(p []byte) (Frame, error) {
	var f Frame
	if len(p) > MaxFrameLen {
		return f, fmt.Errorf("ax25: %d bytes, limit %d: %w", len(p), MaxFrameLen, ErrTooLong)
	}
	off, err := f.decodeAddresses(p)
	if err != nil {
		return Frame{}, err
	}
	if off >= len(p) {
		return Frame{}, fmt.Errorf("ax25: control octet missing at offset %d: %w", off, ErrShort)
	}
	f.Control = p[off]
	off++
	if f.HasPID() {
		if off >= len(p) {
			return Frame{}, fmt.Errorf("ax25: PID missing at offset %d: %w", off, ErrShort)
		}
		f.PID = p[off]
		off++
	}
	if n := len(p) - off; n > MaxInfo {
		return Frame{}, fmt.Errorf("ax25: %d bytes of information, limit %d: %w", n, MaxInfo, ErrTooLong)
	}
	f.Info = append([]byte(nil), p[off:]...)
	return f, nil
}

// decodeAddresses fills the address fields from p and returns the offset
// after the last address.
func (f *Frame) decodeAddresses(p []byte) (int, error) {
	const maxAddrs = 2 + MaxDigipeaters
	for i := range maxAddrs {
		off := i * AddressLen
		if off+AddressLen > len(p) {
			return 0, fmt.Errorf("ax25: address %d at offset %d: %d bytes left: %w", i+1, off, len(p)-off, ErrShort)
		}
		a, last, err := decodeAddress(p[off : off+AddressLen])
		if err != nil {
			return 0, fmt.Errorf("ax25: address %d at offset %d: %w", i+1, off, err)
		}
		switch i {
		case 0:
			f.Dst = a
		case 1:
			f.Src = a
		default:
			f.Path = append(f.Path, a)
		}
		if last {
			if i == 0 {
				return 0, fmt.Errorf("ax25: destination marked as last address at offset %d: %w", off+6, ErrAddress)
			}
			return off + AddressLen, nil
		}
	}
	return 0, fmt.Errorf("ax25: no last-address mark in %d addresses: %w", maxAddrs, ErrAddress)
}
