package kiss

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// Stats counts what a Splitter discarded. The counters can be read while
// the Splitter runs.
type Stats struct {
	// Frames is the number of frames delivered.
	Frames atomic.Int64
	// Oversize counts frames dropped for exceeding the size limit.
	Oversize atomic.Int64
	// Invalid counts frames dropped for a bad escape or unknown command
	// (line noise, text a TNC printed between frames).
	Invalid atomic.Int64
	// Skipped counts octets discarded outside frames (before the first
	// FEND, or after an oversize frame until the next FEND).
	Skipped atomic.Int64
}

// Splitter is the KISS deframer as a bufio.SplitFunc with state: the token
// it returns is one encoded frame, unescaped (command octet first), in a
// fresh slice the caller may keep. It never returns an error for bad input:
// it drops the frame, counts it, and resynchronises on the next FEND.
//
// A Splitter serves one stream; it is not safe for concurrent use, except
// for reading Stats.
type Splitter struct {
	max     int // largest unescaped frame, command octet excluded
	hunting bool
	Stats   Stats
}

// NewSplitter returns a Splitter that drops frames whose data (after the
// command octet) is longer than maxData octets. Octets before the first FEND
// are discarded: a stream may start in the middle of a frame.
func NewSplitter(maxData int) *Splitter {
	return &Splitter{max: maxData, hunting: true}
}

// BufferSize is the bufio.Scanner buffer a Splitter needs: any window
// longer than the worst-case encoding of the largest frame without a FEND
// is oversize, so the Scanner never fills up.
func (s *Splitter) BufferSize() int { return EncodedLen(s.max) + 1 }

// Split implements bufio.SplitFunc. It consumes noise, empty frames and bad
// frames in the same call, so that it returns only when it has a frame or
// needs more data: bufio.Scanner stops at the end of the stream after the
// first call that yields no token.
func (s *Splitter) Split(data []byte, atEOF bool) (advance int, token []byte, err error) {
	for {
		n, tok, more := s.step(data[advance:], atEOF)
		advance += n
		if tok != nil || more || advance == len(data) {
			return advance, tok, nil
		}
	}
}

// step consumes one piece of data: noise up to a FEND, one frame, or an
// oversize run. It returns the octets consumed, the frame if there was a
// good one, and whether it needs more data to go on.
func (s *Splitter) step(data []byte, atEOF bool) (n int, tok []byte, more bool) {
	i := bytes.IndexByte(data, FEND)
	if s.hunting {
		if i < 0 {
			s.Stats.Skipped.Add(int64(len(data)))
			return len(data), nil, false
		}
		s.Stats.Skipped.Add(int64(i))
		s.hunting = false
		return i + 1, nil, false
	}
	switch {
	case i == 0:
		return 1, nil, false // back-to-back FENDs
	case i < 0 && atEOF:
		if len(data) > 0 {
			s.Stats.Invalid.Add(1) // a frame cut by the end of the stream
		}
		return len(data), nil, false
	case i < 0 && len(data) > EncodedLen(s.max):
		s.Stats.Oversize.Add(1)
		s.Stats.Skipped.Add(int64(len(data)))
		s.hunting = true
		return len(data), nil, false
	case i < 0:
		return 0, nil, true
	}
	tok, err := s.unescape(data[:i])
	switch {
	case errors.Is(err, errOversize):
		s.Stats.Oversize.Add(1)
	case err != nil:
		s.Stats.Invalid.Add(1)
	default:
		s.Stats.Frames.Add(1)
	}
	// The closing FEND stays unconsumed: it may open the next frame.
	return i, tok, false
}

var (
	errOversize = errors.New("kiss: frame too long")
	errEscape   = errors.New("kiss: bad escape")
	errCommand  = errors.New("kiss: unknown command")
)

// unescape returns the frame between two FENDs with escapes undone, or nil
// and an error.
func (s *Splitter) unescape(p []byte) ([]byte, error) {
	out := make([]byte, 0, min(len(p), s.max+1))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == FESC {
			if i++; i == len(p) {
				return nil, errEscape
			}
			switch p[i] {
			case TFEND:
				c = FEND
			case TFESC:
				c = FESC
			default:
				return nil, errEscape
			}
		}
		if len(out) > s.max {
			return nil, errOversize
		}
		out = append(out, c)
	}
	if c := out[0]; c != 0xFF && !Command(c&0x0F).Known() {
		return nil, errCommand
	}
	return out, nil
}

// Decoder reads KISS frames from a stream.
type Decoder struct {
	sc    *bufio.Scanner
	split *Splitter
}

// NewDecoder returns a Decoder reading r that drops frames with more than
// maxData data octets.
func NewDecoder(r io.Reader, maxData int) *Decoder {
	s := NewSplitter(maxData)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, min(4096, s.BufferSize())), s.BufferSize())
	sc.Split(s.Split)
	return &Decoder{sc: sc, split: s}
}

// Next returns the next frame. At the end of the stream it returns io.EOF;
// a read error is returned wrapped. Bad frames are skipped and counted in
// Stats, never returned.
func (d *Decoder) Next() (Frame, error) {
	if !d.sc.Scan() {
		if err := d.sc.Err(); err != nil {
			return Frame{}, fmt.Errorf("kiss: read: %w", err)
		}
		return Frame{}, io.EOF
	}
	return parseToken(d.sc.Bytes()), nil
}

// Stats returns the decoder's counters.
func (d *Decoder) Stats() *Stats { return &d.split.Stats }

// parseToken splits a Splitter token into command octet and data. The data
// aliases tok, which the Splitter allocated for this frame alone.
func parseToken(tok []byte) Frame {
	c := tok[0]
	if c == 0xFF {
		return Frame{Command: Return, Data: tok[1:]}
	}
	return Frame{Port: c >> 4, Command: Command(c & 0x0F), Data: tok[1:]}
}
