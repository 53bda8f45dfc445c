//go:build unix

package headers

import (
	"io/fs"
	"syscall"
)

// allocatedBytes is the space a file takes on the medium.
func allocatedBytes(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return info.Size()
}
