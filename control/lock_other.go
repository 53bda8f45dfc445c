//go:build !unix

package control

import "os"

// lockFile does nothing where flock is missing; the live-socket check in
// Listen still refuses a socket another daemon serves.
func lockFile(*os.File) error { return nil }
