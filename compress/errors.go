package compress

import (
	"errors"
	"fmt"
)

// Sentinel errors that callers branch on. Decoders wrap them in a
// *FormatError, so test with errors.Is.
var (
	// ErrTruncated reports input that ends before the encoded data does.
	ErrTruncated = errors.New("input truncated")
	// ErrTrailing reports bytes after the end of the encoded data, or an
	// encoding that is not the canonical (shortest) one the encoder makes.
	ErrTrailing = errors.New("trailing or non-canonical bytes")
	// ErrCorrupt reports encoded data that no encoder could have produced.
	ErrCorrupt = errors.New("corrupt data")
	// ErrTooLarge reports a count or length above the decoder's limits.
	ErrTooLarge = errors.New("over the size limit")
	// ErrMissingContext reports that the receiver's chain lacks a header the
	// run is encoded against (its predecessor or the model's history).
	ErrMissingContext = errors.New("chain lacks a header the encoding refers to")
)

// FormatError is returned by every decoder of this package for input that is
// not a valid encoding. Offset is the byte offset in the input where the
// problem was found; for the arithmetic-coded part of a header run it is the
// decoder's read position, which is at most a few bytes past the bits that
// carried the bad symbol.
type FormatError struct {
	Offset int    // byte offset into the input
	What   string // what was being decoded, e.g. "header 3 time"
	Err    error  // one of the sentinels above, or a more specific cause
}

// Error describes the problem with its offset.
func (e *FormatError) Error() string {
	return fmt.Sprintf("compress: %s at offset %d: %v", e.What, e.Offset, e.Err)
}

// Unwrap returns the cause, so errors.Is(err, ErrTruncated) works.
func (e *FormatError) Unwrap() error { return e.Err }

// formatErr builds a *FormatError.
func formatErr(off int, what string, err error) *FormatError {
	return &FormatError{Offset: off, What: what, Err: err}
}
