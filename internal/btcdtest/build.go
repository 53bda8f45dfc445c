package btcdtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// buildTimeout bounds the one-off build of btcd and btcctl. A warm build cache
// answers in about a second; an empty one compiles btcd in about 20 s.
const buildTimeout = 5 * time.Minute

// binaries builds btcd and btcctl at most once per test process. It is the
// package's only package-level variable: a memo of two file paths in the Go
// build cache, written once and then only read.
var binaries = sync.OnceValues(findBinaries)

// Paths of the two executables, native to the machine running the tests.
type toolPaths struct {
	btcd, btcctl string
}

// findBinaries asks the go command where the tool dependencies of go.mod are
// cached, building them first when needed ("go tool -n NAME" builds the tool
// and prints its path without running it).
func findBinaries() (toolPaths, error) {
	btcd, err := toolPath("btcd")
	if err != nil {
		return toolPaths{}, err
	}
	btcctl, err := toolPath("btcctl")
	if err != nil {
		return toolPaths{}, err
	}
	return toolPaths{btcd: btcd, btcctl: btcctl}, nil
}

func toolPath(name string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("btcdtest: the go command is needed to build %s: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "tool", "-n", name)
	cmd.Env = nativeEnv(os.Environ())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("btcdtest: go tool -n %s: %w: %s", name, err, bytes.TrimSpace(stderr.Bytes()))
	}
	path := strings.TrimSpace(string(out))
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("btcdtest: go tool -n %s printed %q: %w", name, path, err)
	}
	return path, nil
}

// nativeEnv returns env without the variables that select a target platform,
// so that a test binary cross-compiled for linux/arm and running under
// qemu-arm-static still builds btcd for the machine it runs on. The host
// binary is then executed directly: qemu's user-mode execve hands a native
// executable to the kernel, so no ALTNET_EXEC_WRAPPER is needed (or wanted).
// cgo is switched off so that the -race host half and the ARM half share one
// cached build.
func nativeEnv(env []string) []string {
	drop := map[string]bool{
		"GOOS": true, "GOARCH": true, "GOARM": true, "GOARM64": true,
		"GO386": true, "GOAMD64": true, "GOMIPS": true, "GOMIPS64": true,
		"GOPPC64": true, "GORISCV64": true, "GOWASM": true, "CGO_ENABLED": true,
	}
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !drop[name] {
			out = append(out, kv)
		}
	}
	return append(out, "CGO_ENABLED=0")
}
