package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
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

// TestRunEndToEnd runs two daemons as an operator would: an uplink that
// follows btcd A and a receiver-sender whose local node, btcd B, is cut
// off from A at height 435. Their KISS radios share a channel through a
// KISS TNC on 127.0.0.1; the uplink's driver runs in a child process.
// The receiver learns A's chain by radio and says the radio is ahead of
// its node; emergency transactions queued with `altnet tx send` reach A's
// mempool, or come back rejected with btcd's reason; a SIGKILLed driver
// child is restarted and the radio carries the next block; SIGTERM stops
// both daemons with exit status 0.
func TestRunEndToEnd(t *testing.T) {
	// B syncs A's first 435 blocks, then restarts without peers; A goes on
	// to 440 (segwit is active from 432).
	a := btcdtest.StartT(t, btcdtest.Options{})
	if _, err := a.Generate(435); err != nil {
		t.Fatal(err)
	}
	b := btcdtest.StartT(t, btcdtest.Options{})
	if err := b.ConnectPeer(a.P2PAddr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "btcd B did not sync from A", func() bool {
		_, h, err := b.BestBlock()
		return err == nil && h == 435
	})
	if err := b.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Generate(5); err != nil {
		t.Fatal(err)
	}
	hub := startHub(t)
	dir := shortDir(t)
	cp := filepath.Join(dir, "checkpoint.txt")
	regtestCheckpoint(t, a, 430, cp)
	radio := fmt.Sprintf("[[radio]]\nname = \"vhf\"\ntype = \"kiss-tcp\"\naddress = %q\nbit_rate = 9600\ntxdelay = \"0s\"\nairtime = 100\n", hub.ln.Addr())
	upPath, upSock := writeConfig(t, dir, "up", fmt.Sprintf(`callsign = "N0CALL-1"
[roles]
uplink = true
[node]
connect = %q
[chain]
checkpoint = %q
[tx]
max_delay = "1s"
%sprocess = true
`, a.P2PAddr, cp, radio))
	rxPath, rxSock := writeConfig(t, dir, "rx", fmt.Sprintf(`callsign = "N0CALL-2"
[roles]
receiver = true
sender = true
[node]
connect = %q
[chain]
checkpoint = %q
%s`, b.P2PAddr, cp, radio))
	up, rx := startDaemon(t, upPath), startDaemon(t, rxPath)

	// The receiver hears A's chain over the radio; its node stays at 435.
	var st control.Status
	waitFor(t, time.Minute, "the receiver did not see the radio ahead of its node", func() bool {
		var err error
		st, err = status(rxSock)
		return err == nil && st.Chain.Height == 440 && st.Node.Height == 435 && st.RadioAhead
	})
	out, _, code := altnet(t, "status", "--config", rxPath)
	for _, want := range []string{"RADIO AHEAD OF NODE", "radio tip  height 440", "node tip   height 435", "vhf    kiss-tcp  up"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("altnet status (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
	if st, err := status(upSock); err != nil || st.Chain.Height != 440 || st.NodeLink == nil || !st.NodeLink.Connected || st.RadioAhead {
		t.Fatalf("uplink status %+v, %v", st, err)
	}
	checkTxs(t, a, rxPath)
	checkChildRestart(t, a, upSock, rxSock)

	frames, bad := hub.frames()
	if len(bad) > 0 || frames["N0CALL-1"] == 0 || frames["N0CALL-2"] == 0 || len(frames) != 2 {
		t.Fatalf("frames on the channel by source %v, bad %v", frames, bad)
	}
	for _, d := range []*daemonProc{up, rx} {
		if code := d.stop(t); code != 0 {
			t.Fatalf("exit status %d after SIGTERM", code)
		}
	}
	for _, sock := range []string{upSock, rxSock} {
		if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("control socket %s left behind: %v", sock, err)
		}
	}
}

// checkTxs queues a good and a bad transaction with `altnet tx send` and
// follows them with `altnet tx status` until both are acknowledged.
func checkTxs(t *testing.T, a *btcdtest.Node, rxPath string) {
	good, err := a.SpendCoinbase(1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	spend2, err := a.SpendCoinbase(2, 1000)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := btcdtest.BreakSignature(spend2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range []*wire.MsgTx{good, bad} {
		out, stderr, code := altnet(t, "tx", "send", "--config", rxPath, rawHex(t, tx))
		if code != 0 || strings.TrimSpace(out) != tx.TxHash().String() {
			t.Fatalf("tx send: exit %d, %q %q", code, out, stderr)
		}
	}
	var txs []control.TxEntry
	waitFor(t, time.Minute, "transactions not acknowledged", func() bool {
		out, _, code := altnet(t, "tx", "status", "--config", rxPath, "--json")
		return code == 0 && json.Unmarshal([]byte(out), &txs) == nil && len(txs) == 2 && txs[0].State != "queued" && txs[1].State != "queued"
	})
	for _, e := range txs {
		switch e.TxID {
		case good.TxHash().String():
			if in, err := a.InMempool(good.TxHash()); e.State != "accepted" || !in || err != nil {
				t.Fatalf("good transaction %+v; in A's mempool %v %v", e, in, err)
			}
		case bad.TxHash().String():
			if e.State != "rejected" || e.Code != uint8(wire.RejectInvalid) {
				t.Fatalf("bad transaction %+v", e)
			}
		}
	}
	out, _, code := altnet(t, "tx", "status", "--config", rxPath, bad.TxHash().String()[:12])
	if code != 0 || !strings.Contains(out, "rejected by the node") || strings.Contains(out, good.TxHash().String()) {
		t.Fatalf("tx status of one transaction (exit %d):\n%s", code, out)
	}
}

// checkChildRestart kills the uplink's driver child and checks that it is
// restarted and that the radio then carries a new block.
func checkChildRestart(t *testing.T, a *btcdtest.Node, upSock, rxSock string) {
	st, err := status(upSock)
	if err != nil || len(st.Radios) != 1 || !st.Radios[0].Process || st.Radios[0].PID == 0 {
		t.Fatalf("uplink radios %+v, %v", st.Radios, err)
	}
	pid := st.Radios[0].PID
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "the driver child was not restarted", func() bool {
		st, err := status(upSock)
		return err == nil && st.Radios[0].Restarts >= 1 && st.Radios[0].PID != 0 && st.Radios[0].PID != pid &&
			st.Drivers[0].State == "up"
	})
	if _, err := a.Generate(1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "the receiver did not hear block 441 through the restarted child", func() bool {
		st, err := status(rxSock)
		return err == nil && st.Chain.Height == 441
	})
}
