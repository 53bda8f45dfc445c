package headers

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// VerifyReport is what Verify checked.
type VerifyReport struct {
	// Headers is the number of stored headers above the checkpoint that
	// were rebuilt, checked against every consensus rule and found in the
	// index; Bytes is the size of the headers file.
	Headers int64
	Bytes   int64
}

// Verify reads the whole store again: every record's checksum, every
// header against the consensus rules from the checkpoint on (all but the
// future-time rule, which held when it was stored), the chain in memory and
// the hash index. progress, when not nil, is called now and then with the
// number of headers checked. The chain is locked meanwhile.
func (c *Chain) Verify(ctx context.Context, progress func(done int64)) (VerifyReport, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	size, err := s.data.Size()
	if err != nil {
		return VerifyReport{}, fmt.Errorf("headers: verify: %w", err)
	}
	rep := VerifyReport{Bytes: size}
	if size != s.size {
		return rep, fmt.Errorf("headers: verify: headers file is %d bytes, the chain ends at %d: %w", size, s.size, ErrCorrupt)
	}
	st := s.cp.state()
	var bad error
	visit := func(_ *wire.BlockHeader, hash *chainhash.Hash, _ bool) {
		h := st.height
		switch {
		case bad != nil:
		case h > s.tip.height || s.hashAt(h) != *hash:
			bad = fmt.Errorf("header %d %s is not the one in memory", h, hash)
		default:
			if got, ok := s.heightOf(hash); !ok || got != h {
				bad = fmt.Errorf("index gives %d for header %d %s", got, h, hash)
			}
		}
		if rep.Headers++; rep.Headers%10000 == 0 {
			if err := ctx.Err(); err != nil && bad == nil {
				bad = err
			}
			if progress != nil {
				progress(rep.Headers)
			}
		}
	}
	rd := &stopReader{r: bufio.NewReaderSize(io.NewSectionReader(s.data, 0, size), 1<<20), stop: &bad}
	n, err := s.scanRecords(rd, &st, visit)
	if bad != nil {
		return rep, fmt.Errorf("headers: verify: %w", wrapCorrupt(bad))
	}
	if err != nil || n != size || st.hash != s.tip.hash {
		return rep, fmt.Errorf("headers: verify: stopped at byte %d of %d (%v): %w", n, size, err, ErrCorrupt)
	}
	if progress != nil {
		progress(rep.Headers)
	}
	return rep, nil
}

func wrapCorrupt(err error) error {
	if err == context.Canceled || err == context.DeadlineExceeded {
		return err
	}
	return fmt.Errorf("%v: %w", err, ErrCorrupt)
}

// stopReader ends a scan early once *stop is set.
type stopReader struct {
	r    io.Reader
	stop *error
}

func (s *stopReader) Read(p []byte) (int, error) {
	if *s.stop != nil {
		return 0, io.EOF
	}
	return s.r.Read(p)
}
