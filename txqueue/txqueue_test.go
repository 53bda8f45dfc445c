package txqueue

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// rawTx builds a small valid transaction; seed makes its txid differ.
func rawTx(t testing.TB, seed byte) []byte {
	t.Helper()
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{seed, 1, 2}, 0), []byte{0x51}, nil))
	tx.AddTxOut(wire.NewTxOut(12345, []byte{0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}))
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func open(t *testing.T, dir string) *Queue {
	t.Helper()
	q, bad, err := Open(dir)
	if err != nil || len(bad) > 0 {
		t.Fatalf("Open: %v, bad files %v", err, bad)
	}
	return q
}

func TestAddUpdateSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir)
	e, err := q.Add(rawTx(t, 1), "lora0", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Add(rawTx(t, 1), "", t0); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second Add: %v", err)
	}
	if _, err := q.Add(rawTx(t, 2), "", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Update(e.TxID, func(e *Entry) {
		e.Attempts = 3
		e.LastSent = t0.Add(time.Minute)
		e.State, e.Code, e.Reason, e.Done = Rejected, 0x10, "bad signature", t0.Add(2*time.Minute)
	}); err != nil {
		t.Fatal(err)
	}
	q2 := open(t, dir)
	es := q2.List()
	if len(es) != 2 || es[0].TxID != e.TxID || es[1].Added.Before(es[0].Added) {
		t.Fatalf("reopened list %+v", es)
	}
	got := es[0]
	if got.Attempts != 3 || got.State != Rejected || got.Code != 0x10 || got.Reason != "bad signature" ||
		got.Via != "lora0" || !bytes.Equal(got.Raw, rawTx(t, 1)) || !got.State.Final() {
		t.Fatalf("reopened entry %+v", got)
	}
	if f, ok := q2.Find(e.TxID[:8]); !ok || f.TxID != e.TxID {
		t.Fatal("Find by short id failed")
	}
	if _, err := q2.Update(chainhash.Hash{9}, func(*Entry) {}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Update of an unknown txid: %v", err)
	}
}

func TestAddRejectsNonTransactions(t *testing.T) {
	q := open(t, t.TempDir())
	raw := rawTx(t, 1)
	for name, b := range map[string][]byte{
		"empty":    nil,
		"garbage":  []byte("not a transaction"),
		"trailing": append(append([]byte(nil), raw...), 0),
		"huge":     make([]byte, MaxTxSize+1),
	} {
		if _, err := q.Add(b, "", t0); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestScanPicksUpAnotherProcessesAdd(t *testing.T) {
	dir := t.TempDir()
	daemon := open(t, dir)
	cli := open(t, dir)
	e, err := cli.Add(rawTx(t, 7), "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := daemon.Get(e.TxID); ok {
		t.Fatal("daemon saw the entry before scanning")
	}
	if bad, err := daemon.Scan(); err != nil || len(bad) > 0 {
		t.Fatal(err, bad)
	}
	if _, ok := daemon.Get(e.TxID); !ok {
		t.Fatal("Scan did not pick up the new entry")
	}
}

// TestTornAndCorruptFiles cuts an entry file at every byte and garbles it:
// the queue always opens, keeps the damaged file aside, and never panics.
// A temporary file left by a crash before the rename is removed and the old
// content stays.
func TestTornAndCorruptFiles(t *testing.T) {
	src := t.TempDir()
	e, err := open(t, src).Add(rawTx(t, 3), "", t0)
	if err != nil {
		t.Fatal(err)
	}
	name := e.TxID.String() + ".json"
	full, err := os.ReadFile(filepath.Join(src, name))
	if err != nil {
		t.Fatal(err)
	}
	for cut := 0; cut < len(full); cut++ {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), full[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		q, bad, err := Open(dir)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if len(bad) == 0 {
			// Only the final newline is missing: the entry is whole.
			if got, ok := q.Get(e.TxID); !ok || !bytes.Equal(got.Raw, e.Raw) || cut < len(full)-1 {
				t.Fatalf("cut at %d of %d accepted as %+v", cut, len(full), got)
			}
			continue
		}
		if len(bad) != 1 || len(q.List()) != 0 {
			t.Fatalf("cut at %d: bad %v, entries %d", cut, bad, len(q.List()))
		}
		if _, err := os.Stat(filepath.Join(dir, name+".corrupt")); err != nil {
			t.Fatalf("cut at %d: damaged file not kept aside: %v", cut, err)
		}
	}
	dir := t.TempDir()
	other := bytes.Replace(full, []byte(`"queued"`), []byte(`"lost!!"`), 1)
	if err := os.WriteFile(filepath.Join(dir, name), other, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, bad, _ := Open(dir); len(bad) != 1 || !strings.Contains(bad[0].Error(), "unknown state") {
		t.Fatalf("garbled state: %v", bad)
	}
	// A crash between writing the temporary file and the rename.
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), full, 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "."+name+".tmp123")
	if err := os.WriteFile(tmp, full[:10], 0o600); err != nil {
		t.Fatal(err)
	}
	q := open(t, dir)
	if len(q.List()) != 1 {
		t.Fatal("entry lost next to a stale temporary file")
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatal("stale temporary file not removed at open")
	}
}

func FuzzDecodeEntry(f *testing.F) {
	dir := f.TempDir()
	q, _, err := Open(dir)
	if err != nil {
		f.Fatal(err)
	}
	e, err := q.Add(rawTx(f, 5), "vhf", t0)
	if err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, e.TxID.String()+".json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"txid":"","raw":"zz"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeEntry(b, e.TxID)
		if err != nil {
			return
		}
		if got.TxID != e.TxID || !bytes.Equal(got.Raw, e.Raw) {
			t.Fatalf("decoded an entry for another transaction: %+v", got)
		}
	})
}

// TestOpenKeepsAnotherWritersTempFile: a second process opening the queue
// (`altnet tx send` or `tx status` while the daemon shuts down or starts)
// must not remove the temporary file of a write the first one has under
// way, or the first one's rename fails and its update is lost. Once no
// other queue is open, a stale temporary file is removed.
func TestOpenKeepsAnotherWritersTempFile(t *testing.T) {
	if !lockFiles {
		t.Skip("no flock on this platform: temporary files are never removed")
	}
	dir := t.TempDir()
	daemon := open(t, dir)
	e, err := daemon.Add(rawTx(t, 4), "", t0)
	if err != nil {
		t.Fatal(err)
	}
	// The daemon's next write, between its temporary file and the rename.
	tmp := filepath.Join(dir, "."+e.TxID.String()+".json.tmp42")
	if err := os.WriteFile(tmp, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli := open(t, dir)
	if _, err := os.Stat(tmp); err != nil {
		t.Fatalf("another process's Open removed the daemon's temporary file: %v", err)
	}
	if _, ok := cli.Get(e.TxID); !ok {
		t.Fatal("the second queue does not see the entry")
	}
	if err := errors.Join(cli.Close(), daemon.Close()); err != nil {
		t.Fatal(err)
	}
	last := open(t, dir)
	defer last.Close()
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("stale temporary file kept when nobody else had the queue open: %v", err)
	}
}

// TestFindByWitnessHash: acknowledgements name a transaction by the first
// bytes of its wtxid; for a transaction with a witness that differs from
// the txid, and Find must not match the txid's bytes.
func TestFindByWitnessHash(t *testing.T) {
	q := open(t, t.TempDir())
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{4}, 1), nil, wire.TxWitness{{1, 2, 3}, {4}}))
	tx.AddTxOut(wire.NewTxOut(5000, []byte{0x51}))
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	e, err := q.Add(b.Bytes(), "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if e.WTxID != tx.WitnessHash() || e.WTxID == e.TxID {
		t.Fatalf("entry wtxid %v, txid %v", e.WTxID, e.TxID)
	}
	if _, ok := q.Find(e.TxID[:8]); ok {
		t.Fatal("Find matched the txid")
	}
	if f, ok := q.Find(e.WTxID[:8]); !ok || f.TxID != e.TxID {
		t.Fatal("Find by the wtxid's first bytes failed")
	}
	q.Close()
	reopened := open(t, q.dir)
	if f, ok := reopened.Find(e.WTxID[:8]); !ok || f.WTxID != e.WTxID {
		t.Fatal("wtxid not derived again after reopening")
	}
}
