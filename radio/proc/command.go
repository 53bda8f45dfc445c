package proc

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// ChildCommand returns an Options.Command that re-executes this binary
// with args (for example "driver-child", "--kind", "lora", ...), prefixed
// by the words of the ALTNET_EXEC_WRAPPER environment variable (the
// emulator when tests run an ARM build). The child inherits only the
// ALTNET_* and GO* variables of the environment: it needs nothing else.
// The child runs in a process group of its own, so that a Ctrl-C on the
// daemon's terminal reaches the daemon alone; the daemon stops its children
// itself (and a child whose pipe closes exits).
func ChildCommand(args ...string) (func() *exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("proc: find own executable: %w", err)
	}
	argv := append(strings.Fields(os.Getenv("ALTNET_EXEC_WRAPPER")), self)
	argv = append(argv, args...)
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ALTNET_") || strings.HasPrefix(kv, "GO") {
			env = append(env, kv)
		}
	}
	return func() *exec.Cmd {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		return cmd
	}, nil
}
