package headers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// appendRun stores hs (checked children of the tip, with their hashes) in
// one write and one fsync, then adds them to memory. Nothing is in memory,
// and so nothing is reported, before the fsync returned.
func (s *store) appendRun(hs []wire.BlockHeader, hashes []chainhash.Hash) error {
	if err := s.writable(); err != nil {
		return err
	}
	buf := make([]byte, 0, (len(hs)+1)*recordSize)
	prevHash, prevTime := s.tip.hash, s.tip.time
	for i := range hs {
		buf = appendRecord(buf, &hs[i], &prevHash, prevTime)
		prevHash, prevTime = hashes[i], uint32(hs[i].Timestamp.Unix())
	}
	if err := s.writeSync(buf, s.size); err != nil {
		return err
	}
	for i := range hs {
		ext := needsExt(uint32(hs[i].Timestamp.Unix()), s.tip.time)
		s.r.advance(&s.tip, &hs[i], &hashes[i])
		s.push(&hs[i], &hashes[i], ext)
	}
	s.size += int64(len(buf))
	return nil
}

func (s *store) writable() error {
	if s.ro {
		return ErrReadOnly
	}
	return s.failed
}

// writeSync writes b at off in the headers file and syncs. On failure it
// tries to cut the file back and marks the store failed.
func (s *store) writeSync(b []byte, off int64) error {
	_, err := s.data.WriteAt(b, off)
	if err == nil {
		err = s.data.Sync()
	}
	if err != nil {
		_ = s.data.Truncate(off)
		s.failed = fmt.Errorf("headers: write %s: %w (reopen the store)", s.path(dataFile), err)
		return s.failed
	}
	return nil
}

// truncateMem forgets every header above fork.
func (s *store) truncateMem(fork int32) {
	for h := s.tip.height; h > fork; h-- {
		pos := uint32(h - s.cp.Height)
		s.idx.remove(s.keyAt(pos), pos)
	}
	n := int(fork-s.cp.Height) + 1
	s.hashes.truncate(n)
	s.times.truncate(n)
	s.ext = s.ext[:sort.Search(len(s.ext), func(i int) bool { return s.ext[i] > fork })]
	s.periods = s.periods[:s.periodIndex(fork)+1]
	s.tip = s.stateAt(fork)
	s.size = s.offset(fork + 1)
	if hdr, err := s.header(fork); err == nil {
		s.tipHdr = hdr
	} else if s.failed == nil {
		s.failed = err
	}
}

// journal stages a branch that will replace the stored headers above its
// fork point. It is written to journal.tmp without syncs; commit makes it
// durable and renames it to journal, the point from which the switch is
// certain to happen (openStore finishes it after a power cut), and then
// applies it.
type journal struct {
	s        *store
	tmp      string // the file it is staged in
	f        file
	hdr      journalHeader
	size     int64 // bytes written, header included
	prevHash chainhash.Hash
	prevTime uint32
}

// beginJournal starts staging a branch from the stored height fork in the
// file tmpName (journalTmp for a branch built at once, branchTmp for one a
// Syncer stages over many messages).
func (s *store) beginJournal(fork int32, tmpName string) (*journal, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	tmp := s.path(tmpName)
	f, err := s.fs.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("headers: journal: %w", err)
	}
	j := &journal{s: s, tmp: tmp, f: f, size: journalHead, prevHash: s.hashAt(fork), prevTime: s.timeAt(fork)}
	j.hdr = journalHeader{forkHeight: fork, forkHash: j.prevHash}
	return j, nil
}

// add appends checked headers to the staged branch.
func (j *journal) add(hs []wire.BlockHeader, hashes []chainhash.Hash) error {
	buf := make([]byte, 0, (len(hs)+1)*recordSize)
	for i := range hs {
		buf = appendRecord(buf, &hs[i], &j.prevHash, j.prevTime)
		j.prevHash, j.prevTime = hashes[i], uint32(hs[i].Timestamp.Unix())
	}
	if _, err := j.f.WriteAt(buf, j.size); err != nil {
		return fmt.Errorf("headers: journal: %w", err)
	}
	j.size += int64(len(buf))
	j.hdr.count += uint32(len(hs))
	return nil
}

// abort throws the staged branch away.
func (j *journal) abort() {
	j.f.Close()
	_ = j.s.fs.Remove(j.tmp)
}

// commit makes the staged branch durable and switches the store to it.
func (j *journal) commit() error {
	s := j.s
	_, err := j.f.WriteAt(encodeJournalHeader(j.hdr), 0)
	if err == nil {
		err = j.f.Sync()
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = s.fs.Rename(j.tmp, s.path(journalFile))
	}
	if err == nil {
		err = s.fs.SyncDir(s.dir)
	}
	if err != nil {
		_ = s.fs.Remove(j.tmp)
		return fmt.Errorf("headers: commit journal: %w", err)
	}
	if err := s.applyJournal(); err != nil {
		s.failed = err
		return err
	}
	return nil
}

// recoverJournal finishes a committed reorganisation that a power cut
// interrupted, and removes an uncommitted one. It returns what it did, for
// the open log line.
func (s *store) recoverJournal() string {
	note := ""
	for _, tmp := range []string{journalTmp, branchTmp} {
		if err := s.fs.Remove(s.path(tmp)); err == nil {
			note = "discarded an uncommitted reorganisation"
		}
	}
	if f, err := s.fs.OpenFile(s.path(journalFile), os.O_RDONLY, 0); err != nil {
		return note
	} else {
		f.Close()
	}
	if err := s.applyJournal(); err != nil {
		_ = s.fs.Remove(s.path(journalFile))
		return fmt.Sprintf("discarded a bad reorganisation journal: %v", err)
	}
	return "finished an interrupted reorganisation"
}

// applyJournal replaces the headers above the journal's fork point with
// the journal's, which it checks completely before touching the headers
// file, then removes the journal.
func (s *store) applyJournal() error {
	jf, err := s.fs.OpenFile(s.path(journalFile), os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("headers: journal: %w", err)
	}
	defer jf.Close()
	jsize, err := jf.Size()
	if err != nil {
		return fmt.Errorf("headers: journal: %w", err)
	}
	var hb [journalHead]byte
	if _, err := jf.ReadAt(hb[:], 0); err != nil {
		return fmt.Errorf("headers: journal: %w", err)
	}
	jh, err := decodeJournalHeader(hb[:])
	if err != nil {
		return err
	}
	if !s.contains(jh.forkHeight) || s.hashAt(jh.forkHeight) != jh.forkHash {
		return fmt.Errorf("headers: journal forks at %d %s, which is not stored", jh.forkHeight, jh.forkHash)
	}
	st := s.stateAt(jh.forkHeight)
	n := 0
	body := io.NewSectionReader(jf, journalHead, jsize-journalHead)
	used, err := s.scanRecords(bufio.NewReader(body), &st, func(*wire.BlockHeader, *chainhash.Hash, bool) { n++ })
	if err != nil || used != jsize-journalHead || n != int(jh.count) {
		return fmt.Errorf("headers: journal holds %d good headers of %d (%v)", n, jh.count, err)
	}
	return s.switchTo(jh.forkHeight, body)
}

// switchTo cuts the headers file after fork, copies the records from body
// (already checked) after it, syncs, rebuilds memory and removes the
// journal.
func (s *store) switchTo(fork int32, body *io.SectionReader) error {
	off := s.offset(fork + 1)
	if err := s.data.Truncate(off); err != nil {
		return fmt.Errorf("headers: reorganise: %w", err)
	}
	buf := make([]byte, min(max(body.Size(), 4096), 1<<20))
	at := off
	for pos := int64(0); pos < body.Size(); {
		n, err := body.ReadAt(buf, pos)
		if n > 0 {
			if _, werr := s.data.WriteAt(buf[:n], at); werr != nil {
				return fmt.Errorf("headers: reorganise: %w", werr)
			}
			at += int64(n)
			pos += int64(n)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("headers: reorganise: %w", err)
		}
	}
	if err := s.data.Sync(); err != nil {
		return fmt.Errorf("headers: reorganise: %w", err)
	}
	s.truncateMem(fork)
	if end, why := s.scan(off); end != at {
		return fmt.Errorf("headers: reorganise: headers file stops at %d of %d: %v: %w", end, at, why, ErrCorrupt)
	}
	if err := s.fs.Remove(s.path(journalFile)); err != nil {
		return fmt.Errorf("headers: remove journal: %w", err)
	}
	if err := s.fs.SyncDir(s.dir); err != nil {
		return fmt.Errorf("headers: remove journal: %w", err)
	}
	return nil
}

func (s *store) close() error { return s.data.Close() }
