package headers

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// ErrorCode names the consensus rule a header broke. An ErrorCode is itself
// an error, so errors.Is(err, ErrHighHash) tells whether err is (or wraps) a
// RuleError with that code.
type ErrorCode int

// The rules, in the order Chain checks them for a header whose parent is
// known: the parent first, then nBits, time, version, proof of work and
// the hard-coded checkpoints.
const (
	// ErrUnknownParent: the header's prev-hash is neither stored nor a
	// known side-branch header.
	ErrUnknownParent ErrorCode = iota + 1
	// ErrNotContinuous: in a run of headers, one does not name the previous
	// one as its parent.
	ErrNotContinuous
	// ErrBadDifficulty: nBits differs from what the retarget rules require
	// at this height.
	ErrBadDifficulty
	// ErrBadBits: nBits is not a valid positive target within the network's
	// proof-of-work limit (checked on its own, before the parent is known).
	ErrBadBits
	// ErrTimeTooOld: the time is not after the median of the previous 11.
	ErrTimeTooOld
	// ErrTimeTooNew: the time is more than two hours ahead of the clock.
	ErrTimeTooNew
	// ErrTimewarp: BIP94, the first header of a period is more than
	// MaxTimewarp seconds older than its parent.
	ErrTimewarp
	// ErrBadVersion: the version is below the minimum of BIP34/66/65 at
	// this height.
	ErrBadVersion
	// ErrHighHash: the header's hash is above the target its nBits encode.
	ErrHighHash
	// ErrCheckpoint: a header at a pinned height has another hash.
	ErrCheckpoint
	// ErrForkTooDeep: the header forks the chain below a hard-coded
	// checkpoint.
	ErrForkTooDeep
)

var codeNames = [...]string{
	ErrUnknownParent: "unknown-parent",
	ErrNotContinuous: "not-continuous",
	ErrBadDifficulty: "bad-diffbits",
	ErrBadBits:       "bad-bits",
	ErrTimeTooOld:    "time-too-old",
	ErrTimeTooNew:    "time-too-new",
	ErrTimewarp:      "time-timewarp-attack",
	ErrBadVersion:    "bad-version",
	ErrHighHash:      "high-hash",
	ErrCheckpoint:    "checkpoint-mismatch",
	ErrForkTooDeep:   "fork-before-checkpoint",
}

// String returns the rule's short name (Bitcoin Core's reject reason where
// there is one).
func (c ErrorCode) String() string {
	if c > 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("ErrorCode(%d)", int(c))
}

// Error makes an ErrorCode usable as an errors.Is target.
func (c ErrorCode) Error() string { return "headers: " + c.String() }

// RuleError reports a header that breaks a consensus rule: which rule, and
// which header (its height, or -1 when its parent is unknown, and its hash).
type RuleError struct {
	Code   ErrorCode
	Height int32
	Hash   chainhash.Hash
	Detail string
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("headers: header %d %s: %s: %s", e.Height, e.Hash, e.Code.String(), e.Detail)
}

// Is reports whether target is e's ErrorCode.
func (e *RuleError) Is(target error) bool {
	c, ok := target.(ErrorCode)
	return ok && c == e.Code
}

func ruleErr(code ErrorCode, height int32, hash *chainhash.Hash, format string, a ...any) error {
	return &RuleError{Code: code, Height: height, Hash: *hash, Detail: fmt.Sprintf(format, a...)}
}

// Errors that are not consensus rules.
var (
	// ErrNotFound: no stored header at that height or with that hash.
	ErrNotFound = errors.New("headers: not found")
	// ErrClosed: the chain was closed.
	ErrClosed = errors.New("headers: chain closed")
	// ErrReadOnly: the chain was opened read-only.
	ErrReadOnly = errors.New("headers: opened read-only")
	// ErrCorrupt: stored bytes failed a checksum or do not rebuild the
	// stored chain; the store cannot continue until reopened.
	ErrCorrupt = errors.New("headers: store corrupt")
	// ErrBranchTooLong: a branch with less work than the tip would need
	// more than MaxBranchHeaders headers in memory; a Syncer switches to
	// presync instead.
	ErrBranchTooLong = errors.New("headers: low-work branch too long")
	// ErrCheckpointConflict: the store was created with another checkpoint
	// or network than the one asked for.
	ErrCheckpointConflict = errors.New("headers: store has another checkpoint or network")
	// ErrLocked: another process has the store open for writing.
	ErrLocked = errors.New("headers: store in use by another process")
)

// BranchTooLongError reports a side branch that would need more than
// MaxBranchHeaders headers in memory while it has less work than the best
// chain. It matches ErrBranchTooLong. A Syncer answers it by checking the
// branch from ForkHeight in presync.
type BranchTooLongError struct {
	ForkHeight int32
	ForkHash   chainhash.Hash
	Length     int32
}

func (e *BranchTooLongError) Error() string {
	return fmt.Sprintf("headers: branch from %d %s reaches %d headers with less work than the tip (at most %d are kept)",
		e.ForkHeight, e.ForkHash, e.Length, MaxBranchHeaders)
}

// Is makes errors.Is(err, ErrBranchTooLong) true.
func (e *BranchTooLongError) Is(target error) bool { return target == ErrBranchTooLong }
