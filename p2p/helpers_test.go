package p2p

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"
)

// realTimeout bounds every wait on a real btcd. Generous: it is a bound on
// failure, not the expected time (most waits end in milliseconds).
const realTimeout = 20 * time.Second

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testLogger logs to stderr at debug level when P2P_DEBUG is set.
func testLogger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("P2P_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// runInBackground runs f until the test ends and checks it stopped with the
// context.
func runInBackground(t *testing.T, f func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != context.Canceled {
				t.Errorf("run ended with %v, want context.Canceled", err)
			}
		case <-time.After(realTimeout):
			t.Error("run did not stop after cancel")
		}
	})
}
