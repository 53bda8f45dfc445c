package control

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/altnet/altnet/gateway"
	"github.com/altnet/altnet/txqueue"
	"github.com/btcsuite/btcd/wire"
)

// socketPath returns a short socket path in a temporary folder (test
// folders can be longer than a socket path may be).
func socketPath(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ctl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "run", "control.sock")
}

func TestListenLockAndStaleSocket(t *testing.T) {
	path := socketPath(t)
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket %v, %v: want a socket with mode 0660", fi.Mode(), err)
	}
	// A second daemon is refused and told who holds the socket.
	_, err = Listen(path)
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second Listen: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("socket left after Release: %v", err)
	}

	// A socket file left by a daemon that died is replaced.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	l, err = Listen(path)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	l.Release()

	// A socket served by a process without the lock is left alone.
	live, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(path); !errors.Is(err, ErrInUse) {
		t.Fatalf("Listen over a live socket: %v", err)
	}
	live.Close()

	// So is something that is not a socket.
	if err := os.WriteFile(path, []byte("notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(path); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Listen over a regular file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "notes" {
		t.Fatal("the regular file was changed")
	}
	long := "/tmp/" + strings.Repeat("x", MaxPathLen)
	if _, err := Listen(long); err == nil || !strings.Contains(err.Error(), "at most 107") {
		t.Fatalf("Listen on a long path: %v", err)
	}
}

// backend is a daemon's queue behind the API.
type backend struct {
	q      *txqueue.Queue
	radios map[string]bool
}

func (b *backend) Status() Status {
	st := Status{Status: gateway.Status{Network: "regtest"}, Daemon: Daemon{PID: os.Getpid()}}
	st.Status.Txs = b.q.List() // must not leak into the reply as raw entries
	st.Txs = EntriesOf(b.q.List())
	return st
}

func (b *backend) Txs() ([]TxEntry, error) { return EntriesOf(b.q.List()), nil }

func (b *backend) AddTx(raw []byte, via string) (TxEntry, error) {
	if via != "" && !b.radios[via] {
		return TxEntry{}, fmt.Errorf("%w: via: no radio %q", ErrInvalid, via)
	}
	if _, err := txqueue.Decode(raw); err != nil {
		return TxEntry{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	e, err := b.q.Add(raw, via, time.Now())
	return EntryOf(e), err
}

func serve(t *testing.T, b Backend) *Client {
	t.Helper()
	path := socketPath(t)
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := Serve(ctx, l, Handler(b), nil); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if err := l.Release(); err != nil {
			t.Error(err)
		}
	})
	return NewClient(path)
}

func sampleTx(t *testing.T, n byte) []byte {
	t.Helper()
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: uint32(n)}, []byte{n}, nil))
	tx.AddTxOut(wire.NewTxOut(1000, []byte{0x51}))
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRoundTrip(t *testing.T) {
	q, _, err := txqueue.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := serve(t, &backend{q: q, radios: map[string]bool{"vhf": true}})
	ctx := context.Background()
	raw := sampleTx(t, 1)
	e, err := c.AddTx(ctx, raw, "vhf")
	if err != nil {
		t.Fatal(err)
	}
	tx, _ := txqueue.Decode(raw)
	if e.TxID != tx.TxHash().String() || e.State != "queued" || e.Via != "vhf" || e.Size != len(raw) {
		t.Fatalf("added %+v", e)
	}
	if _, err := c.AddTx(ctx, raw, "vhf"); !errors.Is(err, txqueue.ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := c.AddTx(ctx, raw[:10], ""); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "not a transaction") {
		t.Fatalf("truncated transaction: %v", err)
	}
	if _, err := c.AddTx(ctx, sampleTx(t, 2), "uhf"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `no radio "uhf"`) {
		t.Fatalf("unknown radio: %v", err)
	}
	txs, err := c.Txs(ctx)
	if err != nil || len(txs) != 1 || txs[0].TxID != e.TxID {
		t.Fatalf("Txs = %+v, %v", txs, err)
	}
	st, err := c.Status(ctx)
	if err != nil || st.Network != "regtest" || st.Daemon.PID != os.Getpid() || len(st.Txs) != 1 || st.Txs[0].TxID != e.TxID {
		t.Fatalf("Status = %+v, %v", st, err)
	}
}

// TestBadRequests sends what the client never would.
func TestBadRequests(t *testing.T) {
	q, _, err := txqueue.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := serve(t, &backend{q: q})
	tests := []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"GET", "/nope", "", 404, "no such endpoint"},
		{"DELETE", "/txs", "", 405, "not allowed"},
		{"POST", "/status", "{}", 405, "not allowed"},
		{"POST", "/txs", "{", 400, "unexpected EOF"},
		{"POST", "/txs", `{"hex": "00", "colour": 1}`, 400, "unknown field"},
		{"POST", "/txs", `{"hex": "zz"}`, 400, "hexadecimal"},
		{"POST", "/txs", `{"hex": "0100"} {}`, 400, "data after"},
		{"POST", "/txs", `{"hex": "0100", "via": "a b"}`, 400, "not a radio name"},
		{"POST", "/txs", `{"hex": "` + strings.Repeat("00", MaxRequestBody) + `"}`, 413, "over"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, "http://altnet"+tt.path, strings.NewReader(tt.body))
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ae apiError
		err = jsonDecode(resp, &ae)
		if resp.StatusCode != tt.code || err != nil || !strings.Contains(ae.Error, tt.want) {
			t.Errorf("%s %s: %d %q (%v), want %d with %q", tt.method, tt.path, resp.StatusCode, ae.Error, err, tt.code, tt.want)
		}
	}
}

func TestClientWithoutDaemon(t *testing.T) {
	path := socketPath(t)
	_, err := NewClient(path).Status(context.Background())
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("no socket: %v", err)
	}
	// A stale socket file: nobody listens.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"}); err != nil {
			t.Fatal(err)
		}
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := NewClient(path).Txs(context.Background()); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("stale socket: %v", err)
	}
}

// FuzzDecodeAddTx: any body is refused with ErrInvalid or gives a
// transaction and a radio name within bounds that encode back to an
// equivalent request.
func FuzzDecodeAddTx(f *testing.F) {
	f.Add([]byte(`{"hex": "0100000001", "via": "vhf"}`))
	f.Add([]byte(`{"hex": ""}`))
	f.Add([]byte(`{"hex": "00", "via": "lora0"} x`))
	f.Add([]byte(`{"via": "\u0000"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		raw, via, err := decodeAddTx(body)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		if len(raw) == 0 || len(raw) > txqueue.MaxTxSize || len(via) > MaxViaLen {
			t.Fatalf("out of bounds: %d bytes, via %q", len(raw), via)
		}
		again := fmt.Sprintf(`{"hex": %q, "via": %q}`, hex.EncodeToString(raw), via)
		r2, v2, err := decodeAddTx([]byte(again))
		if err != nil || !bytes.Equal(r2, raw) || v2 != via {
			t.Fatalf("re-encoded %s: %x %q %v", again, r2, v2, err)
		}
	})
}

func jsonDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}
