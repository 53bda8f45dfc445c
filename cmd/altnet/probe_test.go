package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/kiss"
)

// TestProbe opens a configured KISS radio as the daemon would, shows it,
// and prints the frame the TNC hands it while listening; a frame to
// another destination is not ours and is not printed.
func TestProbe(t *testing.T) {
	addr, conns := kissServer(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "altnet.toml")
	cfg := "datadir = \"" + dir + "\"\ncallsign = \"N0CALL-2\"\n[[radio]]\nname = \"vhf\"\ntype = \"kiss-tcp\"\naddress = \"" + addr + "\"\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(t.Context(), []string{"probe", "--config", path, "--listen", "3s", "vhf"}, nil, &stdout, &stderr)
	}()
	c := <-conns
	var stream []byte
	for _, dst := range []string{"ALTNET", "APRS"} {
		f := ax25.NewUI(ax25.MustParseAddress("N0CALL-1"), ax25.MustParseAddress(dst), nil, 0xF0, []byte{0xAB, 0xCD})
		raw, _ := f.MarshalBinary()
		stream = kiss.AppendFrame(stream, 0, kiss.Data, raw)
	}
	if _, err := c.Write(stream); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"vhf: kiss-tcp, two-way, MTU 256 bytes, 1200 bit/s", "listening for 3s", "2 bytes: ab cd", "1 frames heard"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code := run(t.Context(), []string{"probe", "--config", path, "uhf"}, nil, &stdout, &stderr); code != 1 {
		t.Errorf("probe of an unknown radio exited %d", code)
	}
	if code := run(t.Context(), []string{"probe", "--config", path}, nil, &stdout, &stderr); code != 2 {
		t.Errorf("probe without a radio exited %d", code)
	}
}
