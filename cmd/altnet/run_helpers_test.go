package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/kiss"
	"github.com/altnet/altnet/control"
	"github.com/altnet/altnet/headers"
	"github.com/altnet/altnet/internal/btcdtest"
	"github.com/btcsuite/btcd/wire"
)

// shortDir is a temporary folder with a short path: control sockets must
// fit in 107 bytes.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "altnet")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// daemonProc is an `altnet run` in a child process.
type daemonProc struct {
	cmd  *exec.Cmd
	out  lockedBuffer
	done chan struct{}
	err  error
}

// startDaemon runs `altnet run --config path` (through the emulator of
// ALTNET_EXEC_WRAPPER) until stopped or the test ends.
func startDaemon(t *testing.T, path string) *daemonProc {
	t.Helper()
	argv := append(strings.Fields(os.Getenv("ALTNET_EXEC_WRAPPER")), os.Args[0], "run", "--config", path)
	d := &daemonProc{cmd: exec.Command(argv[0], argv[1:]...), done: make(chan struct{})}
	d.cmd.Env = append(os.Environ(), "ALTNET_RUN_MAIN=1")
	d.cmd.Stdout, d.cmd.Stderr = &d.out, &d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			d.cmd.Process.Kill()
			<-d.done
		}
		if t.Failed() {
			t.Logf("altnet run --config %s:\n%s", path, d.out.String())
		}
	})
	return d
}

// stop sends SIGTERM and returns the exit status.
func (d *daemonProc) stop(t *testing.T) int {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(time.Minute):
		t.Fatal("daemon did not stop within a minute of SIGTERM")
	}
	var ee *exec.ExitError
	if errors.As(d.err, &ee) {
		return ee.ExitCode()
	}
	if d.err != nil {
		t.Fatal(d.err)
	}
	return 0
}

// waitFor polls cond (a real process is being watched, so real time)
// until it holds or limit passes.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(limit); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("after %v: %s", limit, what)
		}
	}
}

// status asks a daemon over its control socket (in this process: no
// emulator start-up per poll).
func status(sock string) (control.Status, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return control.NewClient(sock).Status(ctx)
}

// kissHub is a KISS TNC on 127.0.0.1 that puts every data frame a client
// sends on a perfect shared channel: every other client receives it at
// once. It checks that every frame is an AX.25 UI frame from a callsign.
type kissHub struct {
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]bool
	bySrc map[string]int // frames by source callsign
	bad   []string
}

func startHub(t *testing.T) *kissHub {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &kissHub{ln: ln, conns: map[net.Conn]bool{}, bySrc: map[string]int{}}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns[c] = true
			h.mu.Unlock()
			wg.Go(func() { h.serve(c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		h.mu.Lock()
		for c := range h.conns {
			c.Close()
		}
		h.mu.Unlock()
		wg.Wait()
	})
	return h
}

func (h *kissHub) serve(c net.Conn) {
	defer func() {
		h.mu.Lock()
		delete(h.conns, c)
		h.mu.Unlock()
		c.Close()
	}()
	dec := kiss.NewDecoder(c, ax25.MaxFrameLen)
	for {
		f, err := dec.Next()
		if err != nil {
			return
		}
		if f.Command != kiss.Data {
			continue // channel parameters: nothing to set on a perfect channel
		}
		h.relay(c, f.Data)
	}
}

func (h *kissHub) relay(from net.Conn, frame []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fr, err := ax25.Decode(frame)
	switch {
	case err != nil:
		h.bad = append(h.bad, err.Error())
	case !fr.IsUI() || fr.Src.Valid() != nil:
		h.bad = append(h.bad, fmt.Sprintf("frame from %v, control %#x", fr.Src, fr.Control))
	default:
		h.bySrc[fr.Src.String()]++
	}
	out := kiss.AppendFrame(nil, 0, kiss.Data, frame)
	for c := range h.conns {
		if c != from {
			c.Write(out)
		}
	}
}

func (h *kissHub) frames() (map[string]int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := map[string]int{}
	for k, v := range h.bySrc {
		m[k] = v
	}
	return m, append([]string(nil), h.bad...)
}

// regtestCheckpoint writes the checkpoint file of node's header at height.
func regtestCheckpoint(t *testing.T, node *btcdtest.Node, height int64, path string) {
	t.Helper()
	hash, err := node.BlockHash(height)
	if err != nil {
		t.Fatal(err)
	}
	h, err := node.Header(hash)
	if err != nil {
		t.Fatal(err)
	}
	// Every regtest header has the same work; genesis counts too.
	work := new(big.Int).Mul(headers.WorkOf(h.Bits), big.NewInt(height+1))
	cp := headers.Checkpoint{Height: int32(height), Header: h, Work: work}
	if err := os.WriteFile(path, []byte(cp.String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func rawHex(t *testing.T, tx *wire.MsgTx) string {
	t.Helper()
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b.Bytes())
}

// writeConfig writes a daemon's configuration file.
func writeConfig(t *testing.T, dir, name, body string) (path, sock string) {
	t.Helper()
	path = filepath.Join(dir, name+".toml")
	sock = filepath.Join(dir, name+".sock")
	head := fmt.Sprintf("network = \"regtest\"\ndatadir = %q\ncontrol = %q\nlog_level = \"debug\"\n",
		filepath.Join(dir, name), sock)
	if err := os.WriteFile(path, []byte(head+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, sock
}
