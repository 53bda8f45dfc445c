//go:build unix

package txqueue

import (
	"errors"
	"os"
	"syscall"
)

// lockFiles reports whether this platform has flock; without it a queue
// never removes temporary files (see Open).
const lockFiles = true

// tryLockExclusive takes an exclusive flock on f without waiting; false
// when another open queue holds a lock on it.
func tryLockExclusive(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// lockShared takes (or turns an exclusive lock into) a shared flock on f,
// waiting for another queue's exclusive lock to go.
func lockShared(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
