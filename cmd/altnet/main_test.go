package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestMain lets the tests run this test binary as the altnet command: with
// ALTNET_RUN_MAIN set, it behaves as main instead of running tests.
func TestMain(m *testing.M) {
	if os.Getenv("ALTNET_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// altnet runs the command line in a child process (through the emulator of
// ALTNET_EXEC_WRAPPER under the ARM half of the tests) and returns its
// output and exit status.
func altnet(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	argv := append(strings.Fields(os.Getenv("ALTNET_EXEC_WRAPPER")), os.Args[0])
	cmd := exec.Command(argv[0], append(argv[1:], args...)...)
	cmd.Env = append(os.Environ(), "ALTNET_RUN_MAIN=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("run %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		stdout     string // substring expected on stdout
		stderrLine string // the exact single line expected on stderr, if any
	}{
		{[]string{"--help"}, 0, "Commands:", ""},
		{[]string{"help"}, 0, "version", ""},
		{[]string{"version", "--help"}, 0, "Usage:\n  altnet version", ""},
		{[]string{"version"}, 0, "altnet ", ""},
		{nil, 2, "", "altnet: missing command (run 'altnet --help')"},
		{[]string{"nosuchcommand"}, 2, "", `altnet: unknown command "nosuchcommand" (run 'altnet --help')`},
		{[]string{"--verbose"}, 2, "", "altnet: unknown flag --verbose (run 'altnet --help')"},
		{[]string{"version", "--bogus"}, 2, "", "altnet version: flag provided but not defined: -bogus (run 'altnet version --help')"},
		{[]string{"version", "extra"}, 2, "", `altnet version: unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			stdout, stderr, code := altnet(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit status %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout %q lacks %q", stdout, tt.stdout)
			}
			if tt.code == 2 && stderr != tt.stderrLine+"\n" {
				t.Errorf("stderr %q, want the one line %q", stderr, tt.stderrLine)
			}
		})
	}
}

func TestEverySubcommandHasHelp(t *testing.T) {
	var walk func(c *command, path []string)
	walk = func(c *command, path []string) {
		if c.summary == "" {
			t.Errorf("%s has no summary", strings.Join(path, " "))
		}
		var out, errb bytes.Buffer
		e := &env{ctx: context.Background(), stdout: &out, stderr: &errb}
		err := rootCommand().dispatch(e, "altnet", append(path[1:], "--help"))
		if !errors.Is(err, errHelp) || !strings.Contains(out.String(), "Usage:") {
			t.Errorf("%s --help: err %v, output %q", strings.Join(path, " "), err, out.String())
		}
		for _, s := range c.subs {
			walk(s, append(append([]string(nil), path...), s.name))
		}
	}
	walk(rootCommand(), []string{"altnet"})
}

func TestVersionLine(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Version: "v0.1.0"},
		Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm"}, {Key: "GOARM", Value: "6"},
			{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"},
		},
	}
	want := "altnet v0.1.0 (commit 0123abcd, modified) go1.26.8 linux/arm/v6"
	if got := versionLine(bi); got != want {
		t.Fatalf("versionLine = %q, want %q", got, want)
	}
	wantEmpty := "altnet (devel) (commit unknown) go1.26.8 " + runtime.GOOS + "/" + runtime.GOARCH
	if got := versionLine(&debug.BuildInfo{GoVersion: "go1.26.8"}); got != wantEmpty {
		t.Fatalf("versionLine of empty info = %q", got)
	}
}
