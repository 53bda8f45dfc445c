//go:build !linux

package btcdtest

import "os/exec"

// dieWithParent does nothing outside Linux: stop nodes with Close.
func dieWithParent(*exec.Cmd) {}
