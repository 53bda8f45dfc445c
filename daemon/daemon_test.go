package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/altnet/altnet/board"
	"github.com/altnet/altnet/compress"
	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/control"
	"github.com/altnet/altnet/headers"
	"github.com/altnet/altnet/lora/sx127xsim"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/txqueue"
	"github.com/btcsuite/btcd/wire"
)

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// testDir is a short temporary folder: a control socket path must fit
// 107 bytes, which a test's own folder may not.
func testDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "altnetd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// parse parses a configuration with datadir and control in dir.
func parse(t *testing.T, dir, body string) config.Config {
	t.Helper()
	head := fmt.Sprintf("network = \"regtest\"\ndatadir = %q\ncontrol = %q\ncallsign = \"N0CALL-1\"\n[chain]\ncheckpoint = \"genesis\"\n",
		filepath.Join(dir, "data"), filepath.Join(dir, "ctl.sock"))
	c, err := config.Parse([]byte(head + body))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// chipBoard returns an OpenBoard that wires the named profile to an
// SX127x model on air.
func chipBoard(t *testing.T, air *medium.Medium, chip **sx127xsim.Chip) func(board.Profile) (*board.Radio, error) {
	return func(p board.Profile) (*board.Radio, error) {
		c, err := sx127xsim.New(air, p.Name, nil)
		if err != nil {
			return nil, err
		}
		*chip = c
		return &board.Radio{Port: c, Reset: c.Reset(), DIO0: c.DIO0(), DIO1: c.DIO1()}, nil
	}
}

func sampleTx(t *testing.T) []byte {
	t.Helper()
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 7}, nil, [][]byte{bytes.Repeat([]byte{0x30}, 71), bytes.Repeat([]byte{2}, 33)}))
	tx.AddTxOut(wire.NewTxOut(90_000, append([]byte{0, 20}, bytes.Repeat([]byte{9}, 20)...)))
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// start runs the daemon until the test ends.
func start(t *testing.T, o Options) *control.Client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
		if _, err := os.Lstat(o.Config.Control); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("control socket left behind: %v", err)
		}
	})
	c := control.NewClient(o.Config.Control)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := c.Status(context.Background()); err == nil {
			return c
		}
		select {
		case err := <-done:
			t.Fatalf("Run ended at start: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("daemon did not serve its control socket")
		}
	}
}

// TestLoRaSender runs a sender whose LoRa radio (in this process, on the
// SX127x model) sends a transaction queued before the start, and checks
// what went on the air.
func TestLoRaSender(t *testing.T) {
	dir := testDir(t)
	c := parse(t, dir, `[roles]
sender = true
[[radio]]
name = "lora0"
type = "lora"
board = "adafruit-rfm9x-bonnet"
sf = 7
direction = "transmit-only"
`)
	raw := sampleTx(t)
	q, _, err := txqueue.Open(QueueDir(c))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Add(raw, "lora0", time.Now()); err != nil {
		t.Fatal(err)
	}
	air := medium.New(medium.Options{})
	var chip *sx127xsim.Chip
	cl := start(t, Options{Config: c, Logger: testLogger(t), OpenBoard: chipBoard(t, air, &chip)})

	rx, _ := link.NewReceiver(link.Regtest, link.DefaultLimits)
	var got link.Tx
	for deadline := time.Now().Add(10 * time.Second); got.Data == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no transaction on the air; transmissions %d", len(chip.Transmissions()))
		}
		for _, tr := range chip.Transmissions() {
			if m, ok, _ := rx.Accept(tr.Payload, time.Now()); ok {
				got, _ = m.Message.(link.Tx)
			}
		}
	}
	tx, err := compress.DecodeMsgTx(got.Data)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := txqueue.Decode(raw)
	if tx.TxHash() != want.TxHash() {
		t.Fatalf("sent %v, want %v", tx.TxHash(), want.TxHash())
	}
	if v := chip.Violations(); len(v) > 0 {
		t.Fatalf("datasheet violations: %v", v)
	}
	st, err := cl.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := st.Drivers[0]
	if d.State != "up" || d.Direction != "transmit-only" || !d.Budget.Limited || d.Budget.Allowed != 6*time.Minute || d.Budget.Used <= 0 {
		t.Fatalf("driver status %+v", d)
	}
	if len(st.Txs) != 1 || st.Txs[0].Attempts != 1 || st.Txs[0].State != "queued" {
		t.Fatalf("queue %+v", st.Txs)
	}
}

func TestStartErrorsNameTheKey(t *testing.T) {
	dir := testDir(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	lora := "[[radio]]\ntype = \"lora\"\nboard = \"adafruit-rfm9x-bonnet\"\ndirection = \"receive-only\"\n"
	noBoard := func(p board.Profile) (*board.Radio, error) {
		return nil, fmt.Errorf("board: %s: open SPI port %s: no such file", p.Name, p.SPI)
	}
	tests := []struct {
		name, body, want string
	}{
		{"listen in use", "[node]\nlisten = \"" + busy.Addr().String() + "\"\n", "node.listen: listen tcp " + busy.Addr().String()},
		{"no board", lora, "radio[0] (lora0): board: adafruit-rfm9x-bonnet: open SPI port"},
		{"no reset line", "[[radio]]\ntype = \"lora\"\nspi = \"/dev/spidev0.0\"\ndio0 = \"GPIO4\"\ndirection = \"receive-only\"\n",
			"radio[0].reset: missing"},
		{"child without a file", strings.Replace(lora, "[[radio]]\n", "[[radio]]\nprocess = true\n", 1), "radio[0].process: a driver child reads the configuration file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := parse(t, dir, tt.body)
			err := Run(context.Background(), Options{Config: c, OpenBoard: noBoard})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("checkpoint file", func(t *testing.T) {
		c := parse(t, dir, "")
		c.Chain.Checkpoint = filepath.Join(dir, "none.txt")
		if err := Run(context.Background(), Options{Config: c}); err == nil || !strings.Contains(err.Error(), "chain.checkpoint: open "+c.Chain.Checkpoint) {
			t.Fatalf("Run = %v", err)
		}
		// A store created at genesis conflicts with a checkpoint elsewhere.
		p := headers.RegTest()
		cp := headers.GenesisCheckpoint(p)
		ch, err := headers.Open(headersDir(c), headers.Options{Params: p, Checkpoint: &cp})
		if err != nil {
			t.Fatal(err)
		}
		ch.Close()
		cp.Height = 1 // any other checkpoint
		if err := os.WriteFile(c.Chain.Checkpoint, []byte(cp.String()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := Run(context.Background(), Options{Config: c}); err == nil || !strings.Contains(err.Error(), "chain.checkpoint: headers:") {
			t.Fatalf("Run = %v", err)
		}
	})
	t.Run("store in use", func(t *testing.T) {
		c := parse(t, dir, "")
		p := headers.RegTest()
		cp := headers.GenesisCheckpoint(p)
		ch, err := headers.Open(headersDir(c), headers.Options{Params: p, Checkpoint: &cp})
		if err != nil {
			t.Fatal(err)
		}
		defer ch.Close()
		if err := Run(context.Background(), Options{Config: c}); err == nil || !strings.Contains(err.Error(), "datadir:") ||
			!errors.Is(err, headers.ErrLocked) {
			t.Fatalf("Run = %v", err)
		}
	})
	t.Run("second daemon", func(t *testing.T) {
		c := parse(t, dir, "")
		start(t, Options{Config: c, Logger: testLogger(t)})
		if err := Run(context.Background(), Options{Config: c}); !errors.Is(err, control.ErrInUse) {
			t.Fatalf("second Run = %v", err)
		}
	})
}

func TestCheckpointFile(t *testing.T) {
	dir := testDir(t)
	p := headers.RegTest()
	cp := headers.GenesisCheckpoint(p)
	for i, text := range []string{cp.String(), strings.ReplaceAll(cp.String(), ":", " ") + "\n", "  " + cp.String() + "\n\n"} {
		path := filepath.Join(dir, fmt.Sprintf("cp%d", i))
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readCheckpoint(path)
		if err != nil || got.Height != cp.Height || got.Header != cp.Header || got.Work.Cmp(cp.Work) != 0 {
			t.Errorf("%q: %+v, %v", text, got, err)
		}
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, bytes.Repeat([]byte("0"), maxCheckpointFile+1), 0o600)
	if _, err := readCheckpoint(big); err == nil || !strings.Contains(err.Error(), "one line") {
		t.Errorf("oversized file: %v", err)
	}
}

// TestAssignmentAndRedundancy: the carry lists become the traffic
// assignment (only radios that can send), delivery the link planner's
// target, and a radio carrying headers runs the carousel.
func TestAssignmentAndRedundancy(t *testing.T) {
	c := parse(t, testDir(t), `[[radio]]
name = "a"
type = "kiss-tcp"
carry = ["txs", "acks"]
delivery = 0
[[radio]]
name = "b"
type = "kiss-tcp"
direction = "transmit-only"
carry = ["headers", "tips", "txs"]
[[radio]]
name = "c"
type = "kiss-tcp"
direction = "receive-only"
`)
	a := assignment(c)
	want := map[link.Type][]string{link.TypeHeaderRun: {"b"}, link.TypeTip: {"b"}, link.TypeTx: {"a", "b"},
		link.TypeTxAck: {"a"}, link.TypeHeaderRequest: {}}
	for typ, names := range want {
		if got, ok := a[typ]; !ok || strings.Join(got, ",") != strings.Join(names, ",") {
			t.Errorf("%v assigned to %v, want %v", typ, got, names)
		}
	}
	if r := redundancy(c.Radios[0]); r != (link.Redundancy{Loss: config.DefaultLossTwoWay}) {
		t.Errorf("delivery 0: %+v", r)
	}
	if r := redundancy(c.Radios[1]); r != (link.Redundancy{Loss: config.DefaultLossOneWay, Target: config.DefaultDeliveryOneWay}) {
		t.Errorf("one-way defaults: %+v", r)
	}
	if err := CheckVia(c, "c"); err == nil || !strings.Contains(err.Error(), "receive-only") {
		t.Errorf("CheckVia of a receive-only radio: %v", err)
	}
	if err := CheckVia(c, "d"); err == nil || !strings.Contains(err.Error(), "configured: a, b, c") {
		t.Errorf("CheckVia of an unknown radio: %v", err)
	}
}

func TestWorldReadable(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		mode os.FileMode
		want bool
	}{{0o644, true}, {0o640, false}, {0o600, false}} {
		p := filepath.Join(dir, tt.mode.String())
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, tt.mode); err != nil {
			t.Fatal(err)
		}
		if got := worldReadable(p); got != tt.want {
			t.Errorf("mode %v: world-readable %v, want %v", tt.mode, got, tt.want)
		}
	}
	if worldReadable(filepath.Join(dir, "missing")) {
		t.Error("a missing file counts as readable")
	}
}
