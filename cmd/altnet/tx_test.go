package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/control"
	"github.com/altnet/altnet/daemon"
	"github.com/btcsuite/btcd/wire"
)

// cli runs one command line in this process and returns its output and
// exit status.
func cli(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func testTx(t *testing.T, n uint32) (*wire.MsgTx, string) {
	t.Helper()
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: n}, nil, [][]byte{bytes.Repeat([]byte{0x30}, 71), bytes.Repeat([]byte{2}, 33)}))
	tx.AddTxOut(wire.NewTxOut(50_000, append([]byte{0, 20}, bytes.Repeat([]byte{7}, 20)...)))
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return tx, hex.EncodeToString(b.Bytes())
}

// bigTxHex is a transaction of about 40 KB, under the queue's limit but
// too large for one radio message even compressed: a thousand outputs
// paying to distinct witness programs.
func bigTxHex(t *testing.T) string {
	t.Helper()
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 9}, nil, [][]byte{bytes.Repeat([]byte{0x30}, 71), bytes.Repeat([]byte{2}, 33)}))
	for i := range 1000 {
		h := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		tx.AddTxOut(wire.NewTxOut(1000, append([]byte{0, 20}, h[:20]...)))
	}
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b.Bytes())
}

// TestTxSendAndStatus queues transactions with no daemon running, reads
// them back, then starts a daemon that picks them up and queues through
// it.
func TestTxSendAndStatus(t *testing.T) {
	dir := shortDir(t)
	path, sock := writeConfig(t, dir, "sender", `callsign = "N0CALL"
[chain]
checkpoint = "genesis"
[[radio]]
name = "vhf"
type = "kiss-tcp"
address = "127.0.0.1:1"
[[radio]]
name = "rx"
type = "kiss-tcp"
direction = "receive-only"
`)
	tx1, hex1 := testTx(t, 1)
	out, stderr, code := cli(t, "", "tx", "send", "--config", path, hex1)
	if code != 0 || out != tx1.TxHash().String()+"\n" ||
		!strings.Contains(stderr, "the daemon is not running") || !strings.Contains(stderr, "roles.sender is off") {
		t.Fatalf("tx send: exit %d, %q, %q", code, out, stderr)
	}
	tx2, hex2 := testTx(t, 2)
	spaced := hex2[:20] + "\n  " + hex2[20:] + "\n"
	if out, stderr, code := cli(t, spaced, "tx", "send", "--config", path, "--via", "vhf", "-"); code != 0 || out != tx2.TxHash().String()+"\n" {
		t.Fatalf("tx send from stdin: exit %d, %q, %q", code, out, stderr)
	}
	errs := []struct {
		args []string
		code int
		want string
	}{
		{[]string{hex1}, 1, "transaction already queued"},
		{[]string{"--via", "uhf", hex1}, 2, `--via: no radio "uhf" (configured: vhf, rx)`},
		{[]string{"--via", "rx", hex1}, 2, `radio "rx" is receive-only`},
		{[]string{"0200zz"}, 1, "not hexadecimal"},
		{[]string{hex1[:40]}, 1, "not a transaction"},
		{[]string{bigTxHex(t)}, 1, "a radio message carries at most 16384"},
		{nil, 2, "want one transaction"},
	}
	for _, e := range errs {
		_, stderr, code := cli(t, "", append([]string{"tx", "send", "--config", path}, e.args...)...)
		if code != e.code || !strings.Contains(stderr, e.want) {
			t.Errorf("tx send %v: exit %d, %q; want %d with %q", e.args, code, stderr, e.code, e.want)
		}
	}
	out, _, code = cli(t, "", "tx", "status", "--config", path)
	if code != 0 || strings.Count(out, "not sent yet") != 2 || !strings.Contains(out, tx1.TxHash().String()) {
		t.Fatalf("tx status: exit %d\n%s", code, out)
	}
	var one []control.TxEntry
	out, _, code = cli(t, "", "tx", "status", "--config", path, "--json", tx2.TxHash().String()[:10])
	if code != 0 || json.Unmarshal([]byte(out), &one) != nil || len(one) != 1 || one[0].Via != "vhf" || one[0].State != "queued" {
		t.Fatalf("tx status of one: exit %d, %s", code, out)
	}
	if _, stderr, code := cli(t, "", "tx", "status", "--config", path, "deadbeef00"); code != 1 || !strings.Contains(stderr, "no transaction deadbeef00") {
		t.Fatalf("tx status of an unknown txid: exit %d, %q", code, stderr)
	}
	if _, stderr, code := cli(t, "", "status", "--config", path); code != 1 || !strings.Contains(stderr, "no daemon answers on "+sock) {
		t.Fatalf("status without a daemon: exit %d, %q", code, stderr)
	}

	// A daemon picks the queue up, and takes new transactions itself.
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	stop := runDaemon(t, c, path)
	defer stop()
	tx3, hex3 := testTx(t, 3)
	if out, stderr, code := cli(t, "", "tx", "send", "--config", path, hex3); code != 0 || out != tx3.TxHash().String()+"\n" || strings.Contains(stderr, "not running") {
		t.Fatalf("tx send to the daemon: exit %d, %q, %q", code, out, stderr)
	}
	var all []control.TxEntry
	out, _, code = cli(t, "", "tx", "status", "--config", path, "--json")
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all) != 3 {
		t.Fatalf("tx status through the daemon: exit %d, %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(daemon.QueueDir(c), tx3.TxHash().String()+".json")); err != nil {
		t.Fatalf("the daemon did not keep the transaction on flash: %v", err)
	}
}

// runDaemon runs a daemon in this process until stop.
func runDaemon(t *testing.T, c config.Config, path string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- daemon.Run(ctx, daemon.Options{Config: c, ConfigPath: path}) }()
	waitFor(t, 10*time.Second, "daemon did not start", func() bool {
		select {
		case err := <-done:
			t.Fatalf("daemon ended: %v", err)
		default:
		}
		_, err := status(c.Control)
		return err == nil
	})
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon: %v", err)
		}
	}
}

// TestDriverChildFromConfig: the driver-child kinds that read the
// configuration refuse what does not match it, and report a radio they
// cannot open by its key.
func TestDriverChildFromConfig(t *testing.T) {
	dir := shortDir(t)
	path, _ := writeConfig(t, dir, "child", `callsign = "N0CALL"
[[radio]]
name = "lora0"
type = "lora"
spi = "/dev/spidev9.9"
reset = "GPIO25"
dio0 = "GPIO22"
direction = "receive-only"
`)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--kind", "lora", "--name", "lora0"}, 2, "--kind lora needs --config"},
		{[]string{"--kind", "kiss-tcp", "--name", "lora0", "--config", path}, 1, `radio "lora0" in ` + path + " is of type lora, not kiss-tcp"},
		{[]string{"--kind", "lora", "--name", "lora1", "--config", path}, 1, `has no radio named "lora1"`},
		{[]string{"--kind", "lora", "--name", "lora0", "--config", path}, 1, "radio[0] (lora0): board: lora0:"},
	}
	for _, tt := range tests {
		_, stderr, code := cli(t, "", append([]string{"driver-child"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("driver-child %v: exit %d, %q; want %d with %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}
