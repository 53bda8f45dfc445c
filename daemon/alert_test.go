package daemon

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/altnet/altnet/gateway"
	"github.com/altnet/altnet/internal/clock"
)

// TestAlertCommandOnChange runs a real script as the alert command: it
// runs when the radio comes to show more work than the node and when that
// ends, not on every look, with the tips in its environment; a failing
// command is logged, not fatal.
func TestAlertCommandOnChange(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "events")
	script := filepath.Join(dir, "alert.sh")
	body := "#!/bin/sh\necho \"$ALTNET_EVENT $ALTNET_NETWORK radio=$ALTNET_RADIO_HEIGHT node=$ALTNET_NODE_HEIGHT $1\" >> " + out + "\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := checkAlertCommand([]string{script}); err != nil {
		t.Fatal(err)
	}
	a := &alerter{argv: []string{script, "arg"}, env: os.Environ(), clock: clock.Real(), log: slog.New(slog.DiscardHandler)}
	st := func(ahead bool, radio, node int32) gateway.Status {
		return gateway.Status{Network: "regtest", RadioAhead: ahead,
			Radio: gateway.TipStatus{Height: radio}, Node: gateway.TipStatus{Height: node}}
	}
	for _, s := range []gateway.Status{st(false, 0, 5), st(true, 7, 5), st(true, 8, 5), st(false, 8, 8), st(false, 9, 9), st(true, 11, 9)} {
		a.check(context.Background(), s)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "radio-ahead regtest radio=7 node=5 arg\nradio-not-ahead regtest radio=8 node=8 arg\nradio-ahead regtest radio=11 node=9 arg\n"
	if string(got) != want {
		t.Fatalf("the command saw\n%s\nwant\n%s", got, want)
	}

	failing := &alerter{argv: []string{"/bin/false"}, clock: clock.Real(), log: slog.New(slog.DiscardHandler)}
	failing.check(context.Background(), st(true, 1, 0)) // logged; nothing else happens
}

func TestCheckAlertCommand(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		argv []string
		want string
	}{
		{nil, ""},
		{[]string{filepath.Join(dir, "missing")}, "no such file"},
		{[]string{plain}, "not an executable file"},
		{[]string{dir}, "not an executable file"},
	} {
		err := checkAlertCommand(tt.argv)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "alert.command")) {
			t.Errorf("%v: %v, want %q", tt.argv, err, tt.want)
		}
	}
}
