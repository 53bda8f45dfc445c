package tnc_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/altnet/altnet/ax25/kiss"
	"github.com/altnet/altnet/ax25/tnc"
	"github.com/altnet/altnet/radio"
)

// openPTY returns the master side of a new pseudo-terminal and the path of
// its slave, which stands in for a TNC's serial port.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

// plug points link at a new pty's slave, as udev points a
// /dev/serial/by-id link at a replugged adapter.
func plug(t *testing.T, link string) *os.File {
	t.Helper()
	m, slave := openPTY(t)
	tmp := link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(slave, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSerialDriver(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyTNC")
	master := plug(t, link)
	d, err := tnc.Open(tnc.Serial{Device: link, Baud: 9600, ReadTimeout: 100 * time.Millisecond},
		tnc.Config{Callsign: "N0CALL-3", MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ev := d.Events()
	waitState(t, ev, radio.Up)

	// A quiet line: reads time out with (0, io.EOF) several times; the
	// link must stay up.
	time.Sleep(350 * time.Millisecond)
	if s := d.State(); s != radio.Up {
		t.Fatalf("quiet line: state %v (%v)", s, d.Err())
	}
	if _, err := master.Write(uiFrom(t, "K1ABC", "ALTNET", 0xF0, "over serial")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	got, err := d.Receive(ctx)
	cancel()
	if err != nil || string(got.Payload) != "over serial" {
		t.Fatalf("received %q, %v", got.Payload, err)
	}
	if err := d.Send(t.Context(), []byte("to the TNC")); err != nil {
		t.Fatal(err)
	}
	f, err := kiss.NewDecoder(master, 1024).Next()
	if err != nil || !bytes.HasSuffix(f.Data, []byte("to the TNC")) {
		t.Fatalf("TNC got %+v, %v", f, err)
	}

	// Unplug: the device disappears; the driver fails and retries.
	master.Close()
	e := waitState(t, ev, radio.Failed)
	t.Logf("unplugged: %v", e.Err)
	waitState(t, ev, radio.Failed) // the next attempt finds no device
	master = plug(t, link)
	defer master.Close()
	waitState(t, ev, radio.Up)
	if err := d.Send(t.Context(), []byte("replugged")); err != nil {
		t.Fatal(err)
	}
	f, err = kiss.NewDecoder(master, 1024).Next()
	if err != nil || !bytes.HasSuffix(f.Data, []byte("replugged")) {
		t.Fatalf("after replug %+v, %v", f, err)
	}
	// Close returns although the line is quiet (the read timeout bounds
	// the wait).
	closed := make(chan struct{})
	go func() { d.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs on a quiet serial line")
	}
}

func TestSerialBadBaud(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyTNC")
	m := plug(t, link)
	defer m.Close()
	_, err := tnc.Serial{Device: link, Baud: 1234}.Dial(t.Context())
	if err == nil {
		t.Fatal("baud 1234 accepted")
	}
	t.Log(err)
}
