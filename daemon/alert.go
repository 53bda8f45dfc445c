package daemon

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/altnet/altnet/gateway"
	"github.com/altnet/altnet/internal/clock"
)

// Alert command bounds: how often the gateway's status is looked at, how
// long one run of the command may take, and how much of its output is
// logged.
const (
	alertPoll    = 15 * time.Second
	alertTimeout = 30 * time.Second
	alertOutput  = 1024
)

// Alert events, passed to the command in ALTNET_EVENT.
const (
	alertRadioAhead    = "radio-ahead"
	alertRadioNotAhead = "radio-not-ahead"
)

// alerter runs the operator's alert command (alert.command) when the
// radio comes to show more chain work than the node, and again when it no
// longer does: an off-grid operator may not read logs, but a script can
// send a text message or light a lamp.
type alerter struct {
	argv   []string
	env    []string // the daemon's environment, the base of the command's
	status func() gateway.Status
	clock  clock.Clock
	log    *slog.Logger
	ahead  bool
}

// checkAlertCommand reports whether argv names a program the daemon can
// run: an absolute path (a service's PATH is not the operator's shell's)
// to an executable file.
func checkAlertCommand(argv []string) error {
	if len(argv) == 0 {
		return nil
	}
	st, err := os.Stat(argv[0])
	switch {
	case err != nil:
		return fmt.Errorf("daemon: alert.command: %w", err)
	case !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("daemon: alert.command: %s is not an executable file", argv[0])
	}
	return nil
}

// run looks at the status every alertPoll until ctx ends.
func (a *alerter) run(ctx context.Context) {
	t := a.clock.NewTicker(alertPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
			a.check(ctx, a.status())
		}
	}
}

// check runs the command when st's radio-ahead state differs from the
// last one seen. The first look counts as a change only when the radio is
// ahead.
func (a *alerter) check(ctx context.Context, st gateway.Status) {
	if st.RadioAhead == a.ahead {
		return
	}
	a.ahead = st.RadioAhead
	event := alertRadioNotAhead
	if st.RadioAhead {
		event = alertRadioAhead
	}
	a.exec(ctx, event, st)
}

// exec runs the command once for event, with the tips in its environment,
// and logs how it ended.
func (a *alerter) exec(ctx context.Context, event string, st gateway.Status) {
	ctx, cancel := context.WithTimeout(ctx, alertTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.argv[0], a.argv[1:]...)
	cmd.Env = append(a.env[:len(a.env):len(a.env)],
		"ALTNET_EVENT="+event,
		"ALTNET_NETWORK="+st.Network,
		"ALTNET_RADIO_HEIGHT="+strconv.Itoa(int(st.Radio.Height)), "ALTNET_RADIO_HASH="+st.Radio.Hash, "ALTNET_RADIO_WORK="+st.Radio.Work,
		"ALTNET_NODE_HEIGHT="+strconv.Itoa(int(st.Node.Height)), "ALTNET_NODE_HASH="+st.Node.Hash, "ALTNET_NODE_WORK="+st.Node.Work)
	var out boundedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	attrs := []any{"event", event, "command", a.argv[0], "output", string(bytes.TrimSpace(out.b))}
	if err != nil {
		a.log.Error("daemon: alert command failed", append(attrs, "err", err)...)
		return
	}
	a.log.Info("daemon: alert command run", attrs...)
}

// boundedBuffer keeps the first alertOutput bytes written to it.
type boundedBuffer struct{ b []byte }

func (w *boundedBuffer) Write(p []byte) (int, error) {
	if room := alertOutput - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(len(p), room)]...)
	}
	return len(p), nil
}
