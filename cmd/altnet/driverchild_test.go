package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/altnet/altnet/radio/proc"
)

// TestDriverChildSupervised runs `altnet driver-child` under a real
// supervisor, as the daemon will, and moves a frame through it.
func TestDriverChildSupervised(t *testing.T) {
	t.Setenv("ALTNET_RUN_MAIN", "1") // the child is this test binary acting as altnet
	cmd, err := proc.ChildCommand("driver-child", "--kind", "loopback", "--name", "lora0", "--duty-allowed", "36s")
	if err != nil {
		t.Fatal(err)
	}
	os.Unsetenv("ALTNET_RUN_MAIN") // only the child's copy of the environment keeps it
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	s, err := proc.Start(ctx, proc.Options{Name: "lora0", Command: cmd})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if b := s.Budget(); !b.Limited || b.Allowed != 36*time.Second {
		t.Fatalf("budget %+v", b)
	}
	if err := s.Send(ctx, []byte("ping over a pipe")); err != nil {
		t.Fatal(err)
	}
	f, err := s.Receive(ctx)
	if err != nil || string(f.Payload) != "ping over a pipe" || f.Driver != "lora0" {
		t.Fatalf("received %+v, %v", f, err)
	}
}
