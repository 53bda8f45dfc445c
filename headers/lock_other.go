//go:build !unix

package headers

import "os"

// lockFile does nothing where flock is missing: do not open one store from
// two processes there.
func lockFile(*os.File) error { return nil }
