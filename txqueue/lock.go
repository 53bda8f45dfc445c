package txqueue

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LockName is the file in the queue's folder that every open queue holds
// a shared lock on. A process that creates the queue for another user
// (`altnet tx send` run as root) gives it to that user as well.
const LockName = ".lock"

// takeLock opens the folder's lock file and tries to lock it exclusively:
// true when no other queue is open on the folder. A lock file this process
// may not open (another user created it) leaves the queue without a lock,
// which only means it removes no temporary file.
func (q *Queue) takeLock() (bool, error) {
	if !lockFiles {
		return false, nil
	}
	f, err := os.OpenFile(filepath.Join(q.dir, LockName), os.O_RDONLY|os.O_CREATE, 0o640)
	if errors.Is(err, fs.ErrPermission) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("txqueue: %w", err)
	}
	q.lock = f
	alone, err := tryLockExclusive(f)
	if err != nil {
		return false, fmt.Errorf("txqueue: lock %s: %w", f.Name(), err)
	}
	return alone, nil
}

// shareLock turns the lock into a shared one for the queue's life.
func (q *Queue) shareLock() error {
	if q.lock == nil {
		return nil
	}
	if err := lockShared(q.lock); err != nil {
		return fmt.Errorf("txqueue: lock %s: %w", q.lock.Name(), err)
	}
	return nil
}

// Close releases the folder's lock. The entries stay readable, but the
// queue must not be written after Close.
func (q *Queue) Close() error {
	if q.lock == nil {
		return nil
	}
	err := q.lock.Close()
	q.lock = nil
	return err
}
