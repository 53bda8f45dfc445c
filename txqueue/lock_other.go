//go:build !unix

package txqueue

import "os"

// lockFiles reports whether this platform has flock; without it a queue
// never removes temporary files (see Open).
const lockFiles = false

func tryLockExclusive(*os.File) (bool, error) { return false, nil }

func lockShared(*os.File) error { return nil }
