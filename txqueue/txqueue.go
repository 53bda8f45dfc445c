// Package txqueue keeps the emergency transactions an off-grid sender has
// been asked to send, on flash, so that a reboot or a power cut loses none.
//
// Each transaction is one small file in the queue's folder, named by its
// txid and written atomically: the new content goes to a temporary file that
// is synced, renamed over the old one, and the folder is synced. A power cut
// at any byte therefore leaves either the old or the new content, never a
// mix. The `altnet tx send` command adds files while the daemon runs; the
// daemon notices them on its next Scan, and it alone updates an entry's
// state after that.
//
// A file that cannot be read back (flash corruption) is never deleted: it
// is renamed with a .corrupt suffix, reported, and left for the operator.
//
// Every open Queue holds a shared lock (flock) on the folder. Open removes
// the temporary files of writes a crash cut short only when it can take
// that lock exclusively, that is when no other process has the queue open:
// so `altnet tx` never removes a file the daemon is about to rename into
// place.
package txqueue

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// MaxTxSize bounds a queued transaction: an emergency payment fits in a
// few hundred bytes, and a radio link moves a few hundred bytes a second.
const MaxTxSize = 100_000

// maxFileSize bounds what Scan reads of one file before decoding it:
// the hex of MaxTxSize plus room for the other fields.
const maxFileSize = 2*MaxTxSize + 4096

// State is where a transaction is in its life.
type State string

// States of an entry.
const (
	// Queued transactions wait for their first or next transmission.
	Queued State = "queued"
	// Accepted transactions were acknowledged: a node took them.
	Accepted State = "accepted"
	// Known transactions were acknowledged: the node already had them.
	Known State = "known"
	// Rejected transactions were refused by the node (Reason says why).
	Rejected State = "rejected"
	// Expired transactions used up their attempts without an
	// acknowledgement.
	Expired State = "expired"
)

// Final reports whether no more transmissions are due.
func (s State) Final() bool { return s != Queued }

// Entry is one queued transaction.
type Entry struct {
	TxID chainhash.Hash
	// WTxID is the hash with the witness, derived from Raw (not stored):
	// acknowledgements name a transaction by it.
	WTxID chainhash.Hash
	Raw   []byte
	Via   string // the radio to send it on; empty for every radio assigned txs
	Added time.Time
	// Attempts counts transmissions so far and LastSent the latest.
	Attempts int
	LastSent time.Time
	State    State
	// Code and Reason come with a rejection (BIP 61 code and text).
	Code   uint8
	Reason string
	// Done is when the entry reached a final state.
	Done time.Time
}

// fileEntry is the JSON form of an Entry on flash.
type fileEntry struct {
	TxID     string    `json:"txid"`
	Raw      string    `json:"raw"`
	Via      string    `json:"via,omitempty"`
	Added    time.Time `json:"added"`
	Attempts int       `json:"attempts"`
	LastSent time.Time `json:"last_sent,omitzero"`
	State    State     `json:"state"`
	Code     uint8     `json:"code,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Done     time.Time `json:"done,omitzero"`
}

// ErrDuplicate is returned by Add for a transaction already queued.
var ErrDuplicate = errors.New("txqueue: transaction already queued")

// ErrNotFound is returned for a txid the queue does not hold.
var ErrNotFound = errors.New("txqueue: no such transaction")

// Queue is the folder of queued transactions. It is safe for concurrent
// use within one process.
type Queue struct {
	dir  string
	lock *os.File // the folder, flocked shared while the queue is open
	mu   sync.Mutex
	m    map[chainhash.Hash]Entry
}

// Open opens (creating if needed) the queue in dir and reads it. Files it
// cannot read are renamed aside and reported in the returned error list
// (the queue still opens). Close releases the folder's lock.
func Open(dir string) (*Queue, []error, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, nil, fmt.Errorf("txqueue: %w", err)
	}
	q := &Queue{dir: dir, m: make(map[chainhash.Hash]Entry)}
	alone, err := q.takeLock()
	if err != nil {
		return nil, nil, err
	}
	bad, err := q.scan(alone)
	if err == nil {
		err = q.shareLock()
	}
	if err != nil {
		q.Close()
		return nil, nil, err
	}
	return q, bad, nil
}

// Decode parses a raw transaction and checks it can be queued.
func Decode(raw []byte) (*wire.MsgTx, error) {
	if len(raw) > MaxTxSize {
		return nil, fmt.Errorf("txqueue: transaction of %d bytes is over the %d-byte limit", len(raw), MaxTxSize)
	}
	tx := new(wire.MsgTx)
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("txqueue: not a transaction: %w", err)
	}
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil || !bytes.Equal(buf.Bytes(), raw) {
		return nil, errors.New("txqueue: not a transaction: trailing bytes or a non-canonical encoding")
	}
	if len(tx.TxIn) == 0 || len(tx.TxOut) == 0 {
		return nil, errors.New("txqueue: transaction without inputs or outputs")
	}
	return tx, nil
}

// Add queues a signed raw transaction to be sent via the named radio
// (empty: any radio that carries transactions). It is on flash when Add
// returns.
func (q *Queue) Add(raw []byte, via string, now time.Time) (Entry, error) {
	tx, err := Decode(raw)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{TxID: tx.TxHash(), WTxID: tx.WitnessHash(), Raw: slices.Clone(raw), Via: via, Added: now.UTC(), State: Queued}
	q.mu.Lock()
	defer q.mu.Unlock()
	if old, ok := q.m[e.TxID]; ok {
		return old, fmt.Errorf("%w: %s (%s)", ErrDuplicate, e.TxID, old.State)
	}
	if _, err := os.Stat(q.path(e.TxID)); err == nil {
		return Entry{}, fmt.Errorf("%w: %s", ErrDuplicate, e.TxID)
	}
	if err := q.write(e); err != nil {
		return Entry{}, err
	}
	q.m[e.TxID] = e
	return e, nil
}

// Update changes an entry with f and writes it back; the change is on
// flash when Update returns.
func (q *Queue) Update(id chainhash.Hash, f func(*Entry)) (Entry, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.m[id]
	if !ok {
		return Entry{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	f(&e)
	e.TxID = id
	if err := q.write(e); err != nil {
		return Entry{}, err
	}
	q.m[id] = e
	return e, nil
}

// Get returns the entry for a txid.
func (q *Queue) Get(id chainhash.Hash) (Entry, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.m[id]
	return e, ok
}

// Find returns the entry whose wtxid starts with the given bytes of the
// internal-order hash (a radio acknowledgement carries such a short id).
func (q *Queue) Find(prefix []byte) (Entry, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, e := range q.m {
		if bytes.HasPrefix(e.WTxID[:], prefix) {
			return e, true
		}
	}
	return Entry{}, false
}

// List returns every entry, oldest first.
func (q *Queue) List() []Entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	es := make([]Entry, 0, len(q.m))
	for _, e := range q.m {
		es = append(es, e)
	}
	slices.SortFunc(es, func(a, b Entry) int {
		if c := a.Added.Compare(b.Added); c != 0 {
			return c
		}
		return bytes.Compare(a.TxID[:], b.TxID[:])
	})
	return es
}

// Scan reads entries that appeared in the folder since the last scan (added
// by another process). Files that cannot be read are renamed aside and
// returned as errors; Scan itself fails only if the folder cannot be read.
func (q *Queue) Scan() ([]error, error) { return q.scan(false) }

// scan is Scan; with clean (at open, when no other process has the queue
// open) it also removes temporary files left by writes a crash cut short.
func (q *Queue) scan(clean bool) ([]error, error) {
	des, err := os.ReadDir(q.dir)
	if err != nil {
		return nil, fmt.Errorf("txqueue: %w", err)
	}
	var bad []error
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp") {
			// A write cut short by a crash; the entry it was replacing
			// (if any) is intact under its own name.
			if clean {
				os.Remove(filepath.Join(q.dir, name))
			}
			continue
		}
		id, ok := idFromName(name)
		if !ok {
			continue
		}
		if _, known := q.m[id]; known {
			continue
		}
		e, err := readFile(filepath.Join(q.dir, name), id)
		if err != nil {
			aside := filepath.Join(q.dir, name+".corrupt")
			if rerr := os.Rename(filepath.Join(q.dir, name), aside); rerr != nil {
				err = errors.Join(err, rerr)
			}
			bad = append(bad, fmt.Errorf("txqueue: %s: %w (kept as %s)", name, err, filepath.Base(aside)))
			continue
		}
		q.m[id] = e
	}
	return bad, nil
}

func (q *Queue) path(id chainhash.Hash) string {
	return filepath.Join(q.dir, id.String()+".json")
}

// idFromName parses "<txid>.json".
func idFromName(name string) (chainhash.Hash, bool) {
	s, ok := strings.CutSuffix(name, ".json")
	if !ok || len(s) != 2*chainhash.HashSize {
		return chainhash.Hash{}, false
	}
	id, err := chainhash.NewHashFromStr(s)
	if err != nil {
		return chainhash.Hash{}, false
	}
	return *id, true
}

// readFile reads and checks one entry file.
func readFile(path string, id chainhash.Hash) (Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return Entry{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return Entry{}, err
	}
	if len(b) > maxFileSize {
		return Entry{}, fmt.Errorf("file larger than %d bytes", maxFileSize)
	}
	return decodeEntry(b, id)
}

// decodeEntry parses an entry file and checks it against its name.
func decodeEntry(b []byte, id chainhash.Hash) (Entry, error) {
	var fe fileEntry
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fe); err != nil {
		return Entry{}, fmt.Errorf("decode: %w", err)
	}
	raw, err := hex.DecodeString(fe.Raw)
	if err != nil {
		return Entry{}, fmt.Errorf("raw: %w", err)
	}
	tx, err := Decode(raw)
	if err != nil {
		return Entry{}, err
	}
	if tx.TxHash() != id || fe.TxID != id.String() {
		return Entry{}, fmt.Errorf("transaction %s does not match its file name", tx.TxHash())
	}
	switch fe.State {
	case Queued, Accepted, Known, Rejected, Expired:
	default:
		return Entry{}, fmt.Errorf("unknown state %q", fe.State)
	}
	if fe.Attempts < 0 {
		return Entry{}, fmt.Errorf("negative attempts %d", fe.Attempts)
	}
	return Entry{TxID: id, WTxID: tx.WitnessHash(), Raw: raw, Via: fe.Via, Added: fe.Added, Attempts: fe.Attempts, LastSent: fe.LastSent,
		State: fe.State, Code: fe.Code, Reason: fe.Reason, Done: fe.Done}, nil
}

// write stores e atomically: temporary file, fsync, rename, fsync folder.
func (q *Queue) write(e Entry) error {
	b, err := json.MarshalIndent(fileEntry{TxID: e.TxID.String(), Raw: hex.EncodeToString(e.Raw), Via: e.Via,
		Added: e.Added, Attempts: e.Attempts, LastSent: e.LastSent, State: e.State, Code: e.Code,
		Reason: e.Reason, Done: e.Done}, "", "  ")
	if err != nil {
		return fmt.Errorf("txqueue: %w", err)
	}
	b = append(b, '\n')
	if err := writeAtomic(q.dir, filepath.Base(q.path(e.TxID)), b); err != nil {
		return fmt.Errorf("txqueue: store %s: %w", e.TxID, err)
	}
	return nil
}

// writeAtomic replaces dir/name with b so that a crash at any point leaves
// the old or the new content.
func writeAtomic(dir, name string, b []byte) error {
	f, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
