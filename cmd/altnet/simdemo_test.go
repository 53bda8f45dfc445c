package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
)

// simDemo runs `altnet sim demo` in this process inside a synctest bubble:
// the demo's scaled clock then runs on the bubble's fake time, so the
// whole demonstration takes only the CPU time it needs, and it must leave
// no goroutine behind. The start time is fixed, so a seed gives one run.
func simDemo(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		var out, errb bytes.Buffer
		argv := append([]string{"sim", "demo", "--start", "2026-11-27T12:00:00Z"}, args...)
		code = run(context.Background(), argv, strings.NewReader(""), &out, &errb)
		stdout, stderr = out.String(), errb.String()
	})
	return stdout, stderr, code
}

// TestSimDemo runs the demo as `make demo` does, and checks from its
// summary and exit status that both receivers converged on the node's
// chain, across new blocks and a reorganisation, and that the valid
// transaction was accepted and the invalid one rejected, acknowledged over
// the air.
func TestSimDemo(t *testing.T) {
	stdout, stderr, code := simDemo(t, "--seed", "1")
	if code != 0 {
		t.Fatalf("exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^  node +tip (\d+) `),
		regexp.MustCompile(`(?m)^  rx-lora +tip \d+, converged: first reached the node's tip at \d\d:\d\d, then each new tip within .*; 1 reorganisation$`),
		regexp.MustCompile(`(?m)^  rx-ax25 +tip \d+, converged: .*; 1 reorganisation$`),
		regexp.MustCompile(`(?m)receiver, LoRa one-way: \d+ frames heard, \d+ lost \((1\d|2\d)\.\d %\)`),
		regexp.MustCompile(`(?m)^  transactions +valid \S+: accepted, acknowledged`),
		regexp.MustCompile(`(?m)^ +invalid \S+: rejected \(invalid, 0x10\), acknowledged after`),
		regexp.MustCompile(`(?m)^\[\d\d:\d\d\] node: blocks \d+-\d+ replaced by 3 new \(reorg\)`),
		regexp.MustCompile(`(?m)^result: OK`),
	} {
		if !want.MatchString(stdout) {
			t.Errorf("output lacks %v:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "\x1b[") {
		t.Error("ANSI sequences written to a non-terminal")
	}
	if stderr != "" {
		t.Errorf("stderr: %s", stderr)
	}
}

// TestSimDemoFails checks that a run in which a receiver cannot converge
// exits 1 and says why: five minutes on a LoRa link that loses 90 % of
// the frames are not enough.
func TestSimDemoFails(t *testing.T) {
	stdout, stderr, code := simDemo(t, "--seed", "2", "--duration", "5m", "--loss", "0.9")
	if code != 1 || !strings.Contains(stdout, "result: FAILED") ||
		!regexp.MustCompile(`^altnet: sim demo failed: rx-lora did not converge: its tip is \d+, the node's 110 `).MatchString(stderr) {
		t.Fatalf("exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func TestSimDemoUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--speed", "0"}, "altnet sim demo: --speed 0 not in 1..1000"},
		{[]string{"--duration", "1m"}, "altnet sim demo: --duration 1m0s: at least 5m0s"},
		{[]string{"--loss", "1"}, "altnet sim demo: --loss 1 not in 0..0.9"},
		{[]string{"--tx", "00"}, "altnet sim demo: --tx needs --node (with the simulated node the demo makes its own)"},
		{[]string{"--start", "noon"}, `altnet sim demo: --start: parsing time "noon" as "2006-01-02T15:04:05Z07:00": cannot parse "noon" as "2006"`},
		{[]string{"extra"}, `altnet sim demo: unexpected argument "extra"`},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"sim", "demo"}, tt.args...), nil, &out, &errb)
		if code != 2 || errb.String() != tt.want+"\n" {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, errb.String(), tt.want)
		}
	}
}
