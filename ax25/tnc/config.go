package tnc

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/kiss"
	"github.com/altnet/altnet/internal/clock"
)

// Config configures a Driver. The zero value is a receive-only driver for
// KISS port 0 at 1200 baud that leaves the TNC's parameters alone.
type Config struct {
	// Name identifies the driver; "ax25" when empty.
	Name string
	// Callsign is the operator's callsign (with an optional SSID). Every
	// frame sent carries it as the source; without one the driver only
	// receives and Send fails with ErrNoCallsign.
	Callsign string
	// Dest is the destination address of frames sent, and the group
	// address accepted besides the callsign; DefaultDest when empty.
	Dest string
	// Path lists digipeaters for frames sent (at most 8), e.g. "WIDE1-1".
	Path []string
	// PID is the protocol identifier of frames sent and accepted;
	// ax25.PIDNoLayer3 (0xF0) when zero.
	PID byte
	// PACLEN is the largest information field, the driver's MTU;
	// DefaultPACLEN when zero.
	PACLEN int
	// Port is the TNC's KISS port (radio channel), 0..15.
	Port uint8
	// BitRate is the radio channel's rate, ax25.Rate1200 (default) or
	// ax25.Rate9600.
	BitRate int
	// Params, when set, are sent to the TNC on every connect; nil leaves
	// the TNC's own settings (Direwolf's apply to all its clients). The
	// airtime model uses Params or, when nil, DefaultParams.
	Params *Params
	// AirtimeWindow and AirtimeAllowed set the operator's airtime limit:
	// at most AirtimeAllowed of transmission in any rolling
	// AirtimeWindow. Zero AirtimeAllowed means no limit.
	AirtimeWindow, AirtimeAllowed time.Duration
	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts, which doubles after each failure (defaults 1 s, 1 min).
	MinBackoff, MaxBackoff time.Duration
	// RxQueue is how many received frames wait for Receive before the
	// oldest is dropped; 64 when zero.
	RxQueue int
	// Monitor, when set, is called from the receive goroutine for every
	// data frame the TNC delivers on Port, before any filtering. It must
	// not block.
	Monitor func(Heard)
	// Clock drives pacing and backoff; the real clock when nil.
	Clock clock.Clock
	// Logger receives connection events; discarded when nil.
	Logger *slog.Logger
}

// Params are the KISS channel-access parameters a TNC keeps.
type Params struct {
	// TXDelay is the keyup delay before the first flag (10 ms steps).
	TXDelay time.Duration
	// Persistence is P of p-persistent CSMA: the TNC transmits in a free
	// slot with probability (P+1)/256.
	Persistence uint8
	// SlotTime is the wait between channel checks (10 ms steps).
	SlotTime time.Duration
	// TXTail keeps the carrier after the last flag (10 ms steps).
	TXTail time.Duration
	// FullDuplex transmits without carrier sense.
	FullDuplex bool
}

// DefaultParams are Direwolf's defaults: TXDELAY 30, PERSIST 63,
// SLOTTIME 10, TXTAIL 10, half duplex.
func DefaultParams() Params {
	return Params{TXDelay: 300 * time.Millisecond, Persistence: 63,
		SlotTime: 100 * time.Millisecond, TXTail: 100 * time.Millisecond}
}

// frames returns the KISS commands that set p on port.
func (p Params) frames(port uint8) []byte {
	duplex := byte(0)
	if p.FullDuplex {
		duplex = 1
	}
	var b []byte
	b = kiss.AppendFrame(b, port, kiss.TXDelay, []byte{kiss.Param(p.TXDelay)})
	b = kiss.AppendFrame(b, port, kiss.Persistence, []byte{p.Persistence})
	b = kiss.AppendFrame(b, port, kiss.SlotTime, []byte{kiss.Param(p.SlotTime)})
	b = kiss.AppendFrame(b, port, kiss.TXTail, []byte{kiss.Param(p.TXTail)})
	return kiss.AppendFrame(b, port, kiss.FullDuplex, []byte{duplex})
}

// Defaults.
const (
	// DefaultDest is the destination address of AltNet frames.
	DefaultDest = "ALTNET"
	// DefaultPACLEN is the AX.25 default maximum information field (N1).
	DefaultPACLEN = 256
	// MaxSafeFrame is the largest frame (without FCS) the driver sends:
	// Direwolf's KISS input buffer holds 2048 octets after escaping, so a
	// longer frame could be cut silently.
	MaxSafeFrame = 1022
)

// ErrNoCallsign is returned by Send when no operator callsign is
// configured: amateur frames must identify their sender.
var ErrNoCallsign = errors.New("tnc: no operator callsign configured; set one to transmit")

// settings is a checked Config with defaults filled in.
type settings struct {
	Config
	src, dst ax25.Address
	hasSrc   bool
	path     []ax25.Address
	timing   ax25.Timing
	ledger   bool
}

func (c Config) check() (settings, error) {
	if c.RxQueue < 0 {
		return settings{}, fmt.Errorf("tnc: receive queue of %d frames", c.RxQueue)
	}
	if c.MinBackoff < 0 || c.MaxBackoff < 0 {
		return settings{}, fmt.Errorf("tnc: negative reconnection backoff %v..%v", c.MinBackoff, c.MaxBackoff)
	}
	s := settings{Config: c}
	s.Name = cmp.Or(s.Name, "ax25")
	s.Dest = cmp.Or(s.Dest, DefaultDest)
	s.PID = cmp.Or(s.PID, ax25.PIDNoLayer3)
	s.PACLEN = cmp.Or(s.PACLEN, DefaultPACLEN)
	s.BitRate = cmp.Or(s.BitRate, ax25.Rate1200)
	s.MinBackoff = cmp.Or(s.MinBackoff, time.Second)
	s.MaxBackoff = max(cmp.Or(s.MaxBackoff, time.Minute), s.MinBackoff)
	s.RxQueue = cmp.Or(s.RxQueue, 64)
	s.Clock = clock.OrReal(s.Clock)
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.dst, err = ax25.ParseAddress(s.Dest); err != nil {
		return s, fmt.Errorf("tnc: destination: %w", err)
	}
	if s.Callsign != "" {
		if s.src, err = ax25.ParseAddress(s.Callsign); err != nil {
			return s, fmt.Errorf("tnc: operator callsign: %w", err)
		}
		s.hasSrc = true
	}
	if err := s.checkPath(); err != nil {
		return s, err
	}
	return s, s.checkRadio()
}

func (s *settings) checkPath() error {
	if len(s.Path) > ax25.MaxDigipeaters {
		return fmt.Errorf("tnc: %d digipeaters, at most %d", len(s.Path), ax25.MaxDigipeaters)
	}
	for _, p := range s.Path {
		a, err := ax25.ParseAddress(p)
		if err != nil {
			return fmt.Errorf("tnc: digipeater: %w", err)
		}
		s.path = append(s.path, a)
	}
	return nil
}

func (s *settings) checkRadio() error {
	if s.Port > kiss.MaxPort {
		return fmt.Errorf("tnc: KISS port %d, at most %d", s.Port, kiss.MaxPort)
	}
	if hl := s.headerLen(); s.PACLEN < 1 || hl+s.PACLEN > MaxSafeFrame {
		return fmt.Errorf("tnc: PACLEN %d, want 1 to %d with %d digipeaters (frames above %d octets may be cut by the TNC)",
			s.PACLEN, MaxSafeFrame-hl, len(s.path), MaxSafeFrame)
	}
	p := DefaultParams()
	if s.Params != nil {
		p = *s.Params
	}
	s.timing = ax25.Timing{BitRate: s.BitRate, TXDelay: p.TXDelay, TXTail: p.TXTail}
	if err := s.timing.Check(); err != nil {
		return fmt.Errorf("tnc: %w", err)
	}
	if s.AirtimeAllowed < 0 || s.AirtimeAllowed > 0 && s.AirtimeWindow < s.AirtimeAllowed {
		return fmt.Errorf("tnc: airtime limit %v per %v is not a limit", s.AirtimeAllowed, s.AirtimeWindow)
	}
	s.ledger = s.AirtimeAllowed > 0
	return nil
}

// headerLen is the size of a sent frame without information field.
func (s *settings) headerLen() int { return (2+len(s.path))*ax25.AddressLen + 2 }
