package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/altnet/altnet/headers"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// headersCommand is the operator's tools for the header store.
func headersCommand() *command {
	return &command{
		name:    "headers",
		summary: "import, inspect and verify the header store",
		subs: []*command{
			headersImportCommand(),
			headersExportCommand(),
			headersTipCommand(),
			headersGetCommand(),
			headersVerifyCommand(),
		},
	}
}

// headersStoreFlags are the flags every headers command has.
type headersStoreFlags struct {
	datadir    string
	network    string
	checkpoint string
}

func (sf *headersStoreFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&sf.datadir, "datadir", headersDefaultDataDir(), "data directory; the store is DATADIR/NETWORK/headers")
	fs.StringVar(&sf.network, "network", "mainnet", "network: "+strings.Join(headers.Networks(), ", "))
}

// headersDefaultDataDir is $ALTNET_DATADIR, or ~/.altnet.
func headersDefaultDataDir() string {
	if d := os.Getenv("ALTNET_DATADIR"); d != "" {
		return d
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".altnet")
	}
	return ".altnet"
}

func (sf *headersStoreFlags) dir() string { return filepath.Join(sf.datadir, sf.network, "headers") }

// open opens the store; readOnly opens it beside a running daemon.
func (sf *headersStoreFlags) open(e *env, cp *headers.Checkpoint, readOnly bool) (*headers.Chain, error) {
	p, err := headers.ParamsByName(sf.network)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if cp == nil && sf.checkpoint != "" {
		c, err := headers.ParseCheckpoint(sf.checkpoint)
		if err != nil {
			return nil, usagef("%v", err)
		}
		cp = &c
	}
	return headers.Open(sf.dir(), headers.Options{Params: p, Checkpoint: cp, Logger: e.log, ReadOnly: readOnly})
}

// headersImportFlags are import's own flags.
type headersImportFlags struct {
	headersStoreFlags
	first      bool
	height     int
	work       string
	periodTime uint
	periodBits string
}

func headersImportCommand() *command {
	var f headersImportFlags
	return &command{
		name:    "import",
		summary: "check and store the headers of a file of 80-byte headers",
		usage:   "FILE",
		long: `Reads FILE, a run of raw 80-byte headers in height order (each the parent
of the next), checks every header against the consensus rules and stores it.
The first header's parent must be stored already, unless --checkpoint-first
makes the first header the store's checkpoint (a new store only): then give
its --height, and its chain --work to have the network's total chain work
reported. A store starts at the built-in checkpoint unless --checkpoint
HEIGHT:HEADER:WORK[:PERIODTIME:PERIODBITS] names another (docs/headers.md).
Headers are stored 2000 at a time, each batch synced to flash, so an
interrupted import keeps what it reported.`,
		flags: func(fs *flag.FlagSet) {
			f.register(fs)
			fs.StringVar(&f.checkpoint, "checkpoint", "", "start a new store at this checkpoint instead of the built-in one")
			fs.BoolVar(&f.first, "checkpoint-first", false, "start a new store at the file's first header")
			fs.IntVar(&f.height, "height", -1, "with --checkpoint-first: the first header's height")
			fs.StringVar(&f.work, "work", "", "with --checkpoint-first: its chain work in hex (default: its own work)")
			fs.UintVar(&f.periodTime, "period-time", 0, "with --checkpoint-first off a retarget boundary: time of the period's first header")
			fs.StringVar(&f.periodBits, "period-bits", "", "with --checkpoint-first off a retarget boundary: nBits (hex) of the period's first header")
		},
		run: func(e *env, args []string) error { return runHeadersImport(e, &f, args) },
	}
}

func runHeadersImport(e *env, f *headersImportFlags, args []string) error {
	if len(args) != 1 {
		return usagef("altnet headers import: want one FILE (run 'altnet headers import --help')")
	}
	hs, err := readHeaderFile(args[0])
	if err != nil {
		return err
	}
	var cp *headers.Checkpoint
	if f.first {
		if cp, err = f.firstCheckpoint(hs[0]); err != nil {
			return err
		}
	}
	c, err := f.open(e, cp, false)
	if err != nil {
		return err
	}
	defer c.Close()
	return importHeaders(e, c, hs, args[0])
}

// readHeaderFile reads a file of whole 80-byte headers.
func readHeaderFile(name string) ([]wire.BlockHeader, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("headers import: %w", err)
	}
	if len(raw) == 0 || len(raw)%wire.MaxBlockHeaderPayload != 0 {
		return nil, fmt.Errorf("headers import: %s: %d bytes is not a run of 80-byte headers", name, len(raw))
	}
	hs := make([]wire.BlockHeader, len(raw)/wire.MaxBlockHeaderPayload)
	for i := range hs {
		if err := hs[i].Deserialize(bytes.NewReader(raw[80*i : 80*i+80])); err != nil {
			return nil, fmt.Errorf("headers import: %s: header %d: %w", name, i, err)
		}
	}
	return hs, nil
}

// firstCheckpoint makes the file's first header a checkpoint.
func (f *headersImportFlags) firstCheckpoint(h wire.BlockHeader) (*headers.Checkpoint, error) {
	p, err := headers.ParamsByName(f.network)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if h.BlockHash() == p.GenesisHash {
		cp := headers.GenesisCheckpoint(p)
		return &cp, nil
	}
	if f.height < 0 {
		return nil, usagef("altnet headers import: --checkpoint-first needs the first header's --height")
	}
	s := fmt.Sprintf("%d:%x:", f.height, headerBytes(h))
	if f.work != "" {
		s += f.work
	} else {
		s += fmt.Sprintf("%x", headers.WorkOf(h.Bits))
	}
	if f.periodBits != "" {
		s += fmt.Sprintf(":%d:%s", f.periodTime, f.periodBits)
	}
	cp, err := headers.ParseCheckpoint(s)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return &cp, nil
}

func headerBytes(h wire.BlockHeader) []byte {
	var b bytes.Buffer
	_ = h.Serialize(&b)
	return b.Bytes()
}

// importHeaders adds hs in batches, showing progress on a terminal.
func importHeaders(e *env, c *headers.Chain, hs []wire.BlockHeader, name string) error {
	prog := newHeadersProgress(e.stderr, "headers: imported")
	added, known := 0, 0
	for i := 0; i < len(hs); i += wire.MaxBlockHeadersPerMsg {
		if err := e.ctx.Err(); err != nil {
			prog.done()
			return fmt.Errorf("headers import: interrupted after %d headers (all stored): %w", added, err)
		}
		batch := hs[i:min(i+wire.MaxBlockHeadersPerMsg, len(hs))]
		res, err := c.Add(batch)
		added, known = added+res.Added, known+res.Known
		if err != nil {
			prog.done()
			return fmt.Errorf("headers import: %s: header %d of the file: %w", name, i+res.Known+res.Added, err)
		}
		prog.show(int64(i+len(batch)), int64(len(hs)))
	}
	prog.done()
	tip := c.Tip()
	fmt.Fprintf(e.stdout, "imported %d headers (%d already known); tip %d %s\n", added, known, tip.Height, tip.Hash)
	return nil
}

// headersExportFlags are export's own flags.
type headersExportFlags struct {
	headersStoreFlags
	from, to int
}

func headersExportCommand() *command {
	var f headersExportFlags
	return &command{
		name:    "export",
		summary: "write best-chain headers to a file of 80-byte headers, for import elsewhere",
		usage:   "FILE",
		long: `Writes the best chain's headers --from..--to (default: everything above the
store's checkpoint) to FILE as raw 80-byte headers in height order, the
format 'altnet headers import' reads; FILE - writes to standard output.
This is how a receiver far behind catches up without radio: export on a
synced gateway, carry the file over, import on the receiver (whose store
must hold the parent of the first header: start both from the same
checkpoint, or export from the receiver's tip + 1). The store is opened
read-only, so export runs beside a running daemon. FILE is written to a
temporary name and renamed when complete.`,
		flags: func(fs *flag.FlagSet) {
			f.register(fs)
			fs.IntVar(&f.from, "from", -1, "first height (default: the checkpoint's height + 1)")
			fs.IntVar(&f.to, "to", -1, "last height (default: the tip)")
		},
		run: func(e *env, args []string) error { return runHeadersExport(e, &f, args) },
	}
}

func runHeadersExport(e *env, f *headersExportFlags, args []string) error {
	if len(args) != 1 {
		return usagef("altnet headers export: want one FILE, or - for standard output (run 'altnet headers export --help')")
	}
	c, err := f.open(e, nil, true)
	if err != nil {
		return err
	}
	defer c.Close()
	base, tip := c.Checkpoint().Height, c.Tip().Height
	from, to := int64(f.from), int64(f.to)
	if f.from == -1 {
		from = int64(base) + 1
	}
	if f.to == -1 {
		to = int64(tip)
	}
	if from <= int64(base) || to > int64(tip) || from > to {
		return usagef("altnet headers export: heights %d..%d not in the store's %d..%d (above its checkpoint %d)", from, to, base+1, tip, base)
	}
	name := args[0]
	if name == "-" {
		return exportHeaders(e.ctx, c, int32(from), int32(to), e.stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("headers export: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing left to remove
	w := bufio.NewWriterSize(tmp, 1<<16)
	err = exportHeaders(e.ctx, c, int32(from), int32(to), w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Chmod(0o644) // CreateTemp makes it 0600; the file is for another machine
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		return fmt.Errorf("headers export: %s: %w", name, err)
	}
	last, _ := c.Hash(int32(to))
	fmt.Fprintf(e.stderr, "exported %d headers, heights %d..%d (last %s), to %s\n", to-from+1, from, to, last, name)
	return nil
}

// exportHeaders writes the best chain's headers from..to to w, 2000 at a
// time.
func exportHeaders(ctx context.Context, c *headers.Chain, from, to int32, w io.Writer) error {
	buf := make([]byte, 0, wire.MaxBlockHeadersPerMsg*wire.MaxBlockHeaderPayload)
	for start := from; start <= to; start += wire.MaxBlockHeadersPerMsg {
		if err := ctx.Err(); err != nil {
			return err
		}
		hs, err := c.Headers(start, min(start+wire.MaxBlockHeadersPerMsg-1, to))
		if err != nil {
			return fmt.Errorf("headers export: read %d: %w", start, err)
		}
		buf = buf[:0]
		for i := range hs {
			buf = append(buf, headerBytes(hs[i])...)
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("headers export: %w", err)
		}
	}
	return nil
}

func headersTipCommand() *command {
	var sf headersStoreFlags
	return &command{
		name:    "tip",
		summary: "show the best header of the store",
		flags:   sf.register,
		run: func(e *env, args []string) error {
			if err := noArgs("altnet headers tip", args); err != nil {
				return err
			}
			c, err := sf.open(e, nil, true)
			if err != nil {
				return err
			}
			defer c.Close()
			return printHeadersTip(e.stdout, c)
		},
	}
}

func printHeadersTip(w io.Writer, c *headers.Chain) error {
	tip, cp := c.Tip(), c.Checkpoint()
	size := int64(0)
	if st, err := os.Stat(filepath.Join(c.Dir(), "headers")); err == nil {
		size = st.Size()
	}
	n := int64(tip.Height - cp.Height)
	per := "-"
	if n > 0 {
		per = fmt.Sprintf("%.2f", float64(size)/float64(n))
	}
	tw := bufio.NewWriter(w)
	fmt.Fprintf(tw, "network     %s\n", c.Params().Name)
	fmt.Fprintf(tw, "height      %d\n", tip.Height)
	fmt.Fprintf(tw, "hash        %s\n", tip.Hash)
	fmt.Fprintf(tw, "time        %s\n", tip.Header.Timestamp.UTC().Format("2006-01-02T15:04:05Z"))
	fmt.Fprintf(tw, "chainwork   %064x\n", tip.Work)
	fmt.Fprintf(tw, "checkpoint  %d %s\n", cp.Height, cp.Header.BlockHash())
	fmt.Fprintf(tw, "stored      %d headers above the checkpoint, %d bytes (%s bytes/header)\n", n, size, per)
	fmt.Fprintf(tw, "store       %s\n", c.Dir())
	return tw.Flush()
}

func headersGetCommand() *command {
	var sf headersStoreFlags
	return &command{
		name:    "get",
		summary: "show one header by height (best chain) or by hash",
		usage:   "HEIGHT|HASH",
		flags:   sf.register,
		run: func(e *env, args []string) error {
			if len(args) != 1 {
				return usagef("altnet headers get: want one HEIGHT or HASH")
			}
			height, hash, err := parseHeightOrHash(args[0])
			if err != nil {
				return err
			}
			c, err := sf.open(e, nil, true)
			if err != nil {
				return err
			}
			defer c.Close()
			info, err := headersLookup(c, height, hash)
			if err != nil {
				return err
			}
			printHeader(e.stdout, info)
			return nil
		},
	}
}

// parseHeightOrHash reads a height (hash nil) or a block hash.
func parseHeightOrHash(arg string) (int32, *chainhash.Hash, error) {
	if h, err := strconv.ParseInt(arg, 10, 32); err == nil {
		return int32(h), nil, nil
	}
	hash, err := chainhash.NewHashFromStr(arg)
	if err != nil || len(arg) != 64 {
		return 0, nil, usagef("altnet headers get: %q is neither a height nor a 64-digit hash", arg)
	}
	return 0, hash, nil
}

func headersLookup(c *headers.Chain, height int32, hash *chainhash.Hash) (headers.HeaderInfo, error) {
	if hash == nil {
		h, err := c.Hash(height)
		if err != nil {
			return headers.HeaderInfo{}, fmt.Errorf("headers get: %w", err)
		}
		hash = &h
	}
	return c.Lookup(*hash)
}

func printHeader(w io.Writer, info headers.HeaderInfo) {
	h := info.Header
	where := "best chain"
	if !info.InBest {
		where = "side branch"
	}
	fmt.Fprintf(w, "height      %d (%s)\n", info.Height, where)
	fmt.Fprintf(w, "hash        %s\n", h.BlockHash())
	fmt.Fprintf(w, "version     %#08x\n", uint32(h.Version))
	fmt.Fprintf(w, "prev        %s\n", h.PrevBlock)
	fmt.Fprintf(w, "merkleroot  %s\n", h.MerkleRoot)
	fmt.Fprintf(w, "time        %d (%s)\n", h.Timestamp.Unix(), h.Timestamp.UTC().Format("2006-01-02T15:04:05Z"))
	fmt.Fprintf(w, "bits        %08x\n", h.Bits)
	fmt.Fprintf(w, "nonce       %d\n", h.Nonce)
	fmt.Fprintf(w, "chainwork   %064x\n", info.Work)
	fmt.Fprintf(w, "hex         %x\n", headerBytes(h))
}

func headersVerifyCommand() *command {
	var sf headersStoreFlags
	return &command{
		name:    "verify",
		summary: "re-check every stored header, checksum and index entry",
		flags:   sf.register,
		run: func(e *env, args []string) error {
			if err := noArgs("altnet headers verify", args); err != nil {
				return err
			}
			c, err := sf.open(e, nil, true)
			if err != nil {
				return err
			}
			defer c.Close()
			return runHeadersVerify(e.ctx, e, c)
		},
	}
}

func runHeadersVerify(ctx context.Context, e *env, c *headers.Chain) error {
	tip, cp := c.Tip(), c.Checkpoint()
	prog := newHeadersProgress(e.stderr, "headers: verified")
	total := int64(tip.Height - cp.Height)
	rep, err := c.Verify(ctx, func(done int64) { prog.show(done, total) })
	prog.done()
	if err != nil {
		if errors.Is(err, headers.ErrCorrupt) {
			return fmt.Errorf("%w (reopening the store for writing cuts it back to the last good header)", err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "verified %d headers (%d bytes) from checkpoint %d to tip %d %s: ok\n",
		rep.Headers, rep.Bytes, cp.Height, tip.Height, tip.Hash)
	return nil
}

// headersProgress draws a one-line counter on a terminal (and nothing elsewhere,
// so that logs and pipes stay clean).
type headersProgress struct {
	w     io.Writer
	label string
	on    bool
	drawn bool
}

func newHeadersProgress(w io.Writer, label string) *headersProgress {
	return &headersProgress{w: w, label: label, on: headersIsTerminal(w)}
}

// headersIsTerminal reports whether w is a character device (a terminal).
func headersIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *headersProgress) show(done, total int64) {
	if !p.on {
		return
	}
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	fmt.Fprintf(p.w, "\r%s %d/%d headers (%.0f%%)", p.label, done, total, pct)
	p.drawn = true
}

func (p *headersProgress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}
