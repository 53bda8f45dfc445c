package txqueue

import (
	"fmt"
	"os"
)

// takeLock opens the queue's folder and tries to lock it exclusively (an
// flock on the folder itself, so there is no lock file whose owner could
// shut another user out): true when no other queue is open on the folder.
func (q *Queue) takeLock() (bool, error) {
	if !lockFiles {
		return false, nil
	}
	f, err := os.Open(q.dir)
	if err != nil {
		return false, fmt.Errorf("txqueue: %w", err)
	}
	q.lock = f
	alone, err := tryLockExclusive(f)
	if err != nil {
		return false, fmt.Errorf("txqueue: lock %s: %w", q.dir, err)
	}
	return alone, nil
}

// shareLock turns the lock into a shared one for the queue's life.
func (q *Queue) shareLock() error {
	if q.lock == nil {
		return nil
	}
	if err := lockShared(q.lock); err != nil {
		return fmt.Errorf("txqueue: lock %s: %w", q.dir, err)
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
