package headers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// File names inside a store's directory.
const (
	metaFile    = "meta"
	dataFile    = "headers"
	journalFile = "journal"
	journalTmp  = "journal.tmp"
	branchTmp   = "branch.tmp"
)

// store is the best chain, on flash and in memory. On flash it is the meta
// file (network and checkpoint) and the headers file (one record per header
// above the checkpoint, see format.go). In memory it keeps, per header, the
// hash and time (36 bytes) plus 4 to 8 bytes of hash index; everything else
// is read from the file on demand. The chain's mutex guards it.
type store struct {
	fs   fsys
	dir  string
	ro   bool
	p    *Params
	r    *rules
	cp   Checkpoint
	data file
	size int64 // bytes of valid records in the headers file

	hashes  chunked[chainhash.Hash] // by position: height - cp.Height
	times   chunked[uint32]
	ext     []int32  // heights whose record takes an extension slot
	periods []period // by period - cp.Height/RetargetInterval
	idx     hashIndex
	indexer *indexer // while opening: builds idx on another core
	tip     vstate
	tipHdr  wire.BlockHeader

	// failed is set when a write or sync failed: the file may now differ
	// from memory, so the store refuses writes until reopened.
	failed error
}

// period is what the store keeps per retarget period: the nBits of its
// headers (testnet's minimum-difficulty ones aside) and the chain work at
// its first stored header.
type period struct {
	bits uint32
	work u256
}

// openReport says what opening found, for the one log line Open writes.
type openReport struct {
	created      bool
	droppedBytes int64
	why          error // why the headers file was cut short
	journal      string
}

// storeOptions configure openStore.
type storeOptions struct {
	fs     fsys
	dir    string
	params *Params
	cp     *Checkpoint // nil: the stored one, or DefaultCheckpoint for a new store
	pins   []Pin
	ro     bool
}

func openStore(o storeOptions) (*store, openReport, error) {
	s := &store{fs: o.fs, dir: o.dir, ro: o.ro, p: o.params, r: newRules(o.params, o.pins)}
	var rep openReport
	if err := s.openMeta(o.cp, &rep); err != nil {
		return nil, rep, err
	}
	if err := s.openData(); err != nil {
		return nil, rep, err
	}
	if err := s.load(&rep); err != nil {
		s.data.Close()
		return nil, rep, err
	}
	return s, rep, nil
}

func (s *store) path(name string) string { return filepath.Join(s.dir, name) }

// openMeta reads the meta file, or creates the store when there is none.
func (s *store) openMeta(want *Checkpoint, rep *openReport) error {
	raw, err := readFileFS(s.fs, s.path(metaFile), 4*metaSize)
	if isNotExist(err) && !s.ro {
		return s.create(want, rep)
	}
	if isNotExist(err) {
		return fmt.Errorf("headers: no store in %s: %w", s.dir, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("headers: read %s: %w", s.path(metaFile), err)
	}
	m, err := decodeMeta(raw)
	if err != nil {
		return fmt.Errorf("headers: %s: %v: %w", s.path(metaFile), err, ErrCorrupt)
	}
	if m.net != s.p.Net {
		return fmt.Errorf("headers: %s holds network %#08x, not %s: %w", s.dir, uint32(m.net), s.p.Name, ErrCheckpointConflict)
	}
	cp, err := m.cp.normalize(s.p)
	if err != nil {
		return fmt.Errorf("headers: %s: %v: %w", s.path(metaFile), err, ErrCorrupt)
	}
	if want != nil && (want.Height != cp.Height || want.Header.BlockHash() != cp.Header.BlockHash()) {
		return fmt.Errorf("headers: %s starts at checkpoint %d, not %d: %w", s.dir, cp.Height, want.Height, ErrCheckpointConflict)
	}
	s.cp = cp
	return nil
}

// create starts a new store at the checkpoint: an empty headers file, then
// the meta file, so that a store with a meta file is always complete.
func (s *store) create(want *Checkpoint, rep *openReport) error {
	cp := DefaultCheckpoint(s.p)
	if want != nil {
		cp = *want
	}
	cp, err := cp.normalize(s.p)
	if err != nil {
		return err
	}
	if err := s.fs.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("headers: create %s: %w", s.dir, err)
	}
	f, err := s.fs.OpenFile(s.path(dataFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("headers: create: %w", err)
	}
	if n, err := f.Size(); err == nil && n > 0 {
		f.Close()
		return fmt.Errorf("headers: %s has headers but no meta file: %w", s.dir, ErrCorrupt)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = writeFileAtomic(s.fs, s.path(metaFile), encodeMeta(meta{net: s.p.Net, cp: cp}))
	}
	if err != nil {
		return fmt.Errorf("headers: create %s: %w", s.dir, err)
	}
	s.cp, rep.created = cp, true
	return nil
}

func (s *store) openData() error {
	flag := os.O_RDWR
	if s.ro {
		flag = os.O_RDONLY
	}
	f, err := s.fs.OpenFile(s.path(dataFile), flag, 0o644)
	if err != nil {
		return fmt.Errorf("headers: open %s: %w", s.path(dataFile), err)
	}
	if !s.ro {
		if err := f.Lock(); err != nil {
			f.Close()
			return fmt.Errorf("headers: lock %s: %w", s.path(dataFile), err)
		}
	}
	s.data = f
	return nil
}

// load rebuilds memory from the headers file, checking every record and
// every header on the way, cuts off whatever follows the last valid one,
// and finishes or discards an interrupted reorganisation.
func (s *store) load(rep *openReport) error {
	size, err := s.data.Size()
	if err != nil {
		return fmt.Errorf("headers: %w", err)
	}
	s.reset()
	s.idx.reserve(int(size/recordSize) + 1)
	s.indexer = startIndexer(&s.idx, s.hashes.len())
	end, why := s.scan(0)
	s.indexer.finish(&s.hashes)
	s.indexer = nil
	if end < size {
		rep.droppedBytes, rep.why = size-end, why
		if !s.ro {
			if err := s.cut(end); err != nil {
				return err
			}
		}
	}
	if !s.ro {
		rep.journal = s.recoverJournal()
	}
	return nil
}

// reset makes memory hold only the checkpoint.
func (s *store) reset() {
	s.hashes, s.times, s.ext, s.size = chunked[chainhash.Hash]{}, chunked[uint32]{}, nil, 0
	s.idx = hashIndex{seed: rand.Uint64(), keyOf: s.keyAt}
	s.tip = s.cp.state()
	s.periods = []period{{bits: s.cp.PeriodBits, work: s.tip.work}}
	s.push(&s.cp.Header, &s.tip.hash, false)
}

func (s *store) keyAt(pos uint32) uint64 {
	return hashKey(s.idx.seed, (*[32]byte)(s.hashes.at(int(pos))))
}

// cut truncates the headers file to size and syncs it.
func (s *store) cut(size int64) error {
	if err := s.data.Truncate(size); err != nil {
		return fmt.Errorf("headers: truncate: %w", err)
	}
	if err := s.data.Sync(); err != nil {
		return fmt.Errorf("headers: sync: %w", err)
	}
	return nil
}

// scan reads records from offset off to the end of the headers file,
// checking and adding each one on top of the tip. It returns the offset
// after the last good record, and why it stopped before the end.
func (s *store) scan(off int64) (int64, error) {
	sr := io.NewSectionReader(s.data, off, math.MaxInt64-off)
	buf := 1 << 20
	if size, err := s.data.Size(); err == nil {
		buf = int(min(max(size-off, 4096), 1<<20))
	}
	n, err := s.scanRecords(bufio.NewReaderSize(sr, buf), &s.tip, s.push)
	s.size = off + n
	return s.size, err
}

// scanRecords decodes and checks records from rd on top of st, calling
// visit for each good header (with st already advanced to it). It returns
// the bytes of good records, and nil at a clean end of input or the reason
// it stopped.
func (s *store) scanRecords(rd io.Reader, st *vstate, visit func(*wire.BlockHeader, *chainhash.Hash, bool)) (int64, error) {
	var rec, ext [recordSize]byte
	var h wire.BlockHeader
	var hash chainhash.Hash // one for the loop: visit makes it escape
	var done int64
	for {
		if _, err := io.ReadFull(rd, rec[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return done, nil
			}
			return done, fmt.Errorf("torn record at offset %d: %w", done, err)
		}
		usedExt, err := decodeRecord(rec[:], nil, &st.hash, st.time, &h)
		if errors.Is(err, errNeedExt) {
			if _, err := io.ReadFull(rd, ext[:]); err != nil {
				return done, fmt.Errorf("torn extension at offset %d: %w", done+recordSize, err)
			}
			_, err = decodeRecord(rec[:], ext[:], &st.hash, st.time, &h)
		}
		if err != nil {
			return done, fmt.Errorf("height %d at offset %d: %w", st.height+1, done, err)
		}
		h.Bits = s.r.nextBits(st, uint32(h.Timestamp.Unix()))
		hash = headerHash(&h)
		if err := s.r.connect(st, &h, &hash, 0); err != nil {
			return done, fmt.Errorf("offset %d: %w", done, err)
		}
		visit(&h, &hash, usedExt)
		done += recordSize
		if usedExt {
			done += recordSize
		}
	}
}

// push adds h, which s.tip was just advanced to, to memory.
func (s *store) push(h *wire.BlockHeader, hash *chainhash.Hash, usedExt bool) {
	height := s.tip.height
	pos := s.hashes.len()
	s.tipHdr = *h
	s.hashes.push(*hash)
	s.times.push(s.tip.time)
	if usedExt {
		s.ext = append(s.ext, height)
	}
	if height%s.p.RetargetInterval == 0 && height != s.cp.Height {
		s.periods = append(s.periods, period{bits: h.Bits, work: s.tip.work})
	}
	if s.indexer != nil {
		s.indexer.pushed(&s.hashes)
		return
	}
	s.idx.insert(s.keyAt(uint32(pos)), uint32(pos))
}

// needsExt reports whether a header at time t after one at prevTime takes
// an extension slot.
func needsExt(t, prevTime uint32) bool {
	d := int64(t) - int64(prevTime)
	return d <= timeEscape || d > math.MaxInt16
}
