//go:build !unix

package headers

import "io/fs"

// allocatedBytes is the space a file takes on the medium (its size where
// the system does not say).
func allocatedBytes(info fs.FileInfo) int64 { return info.Size() }
