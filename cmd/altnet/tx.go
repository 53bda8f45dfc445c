package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/control"
	"github.com/altnet/altnet/daemon"
	"github.com/altnet/altnet/txqueue"
)

// txCommand groups the emergency transaction tools.
func txCommand() *command {
	return &command{
		name:    "tx",
		summary: "queue emergency transactions and follow them",
		subs:    []*command{txSendCommand(), txStatusCommand()},
	}
}

func txSendCommand() *command {
	var (
		path string
		via  string
	)
	return &command{
		name:    "send",
		summary: "queue a signed raw transaction for the radio and print its txid",
		usage:   "HEX|-",
		long: `Checks the transaction (HEX, or '-' to read the hex from standard input)
and queues it on flash, where a reboot does not lose it. The daemon's
sender role sends it over radio with forward error correction and repeats
it until a gateway acknowledges it or tx.attempts are spent; follow it with
'altnet tx status'. When the daemon runs, the transaction is queued
through its control socket; otherwise it is written to the queue folder
(DATADIR/NETWORK/txqueue) and the daemon picks it up when it starts.
--via sends it on one radio only, whatever the radios carry.`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&path, "config", config.DefaultPath, "configuration `file`")
			fs.StringVar(&via, "via", "", "send on this `radio` only (its name in the configuration)")
		},
		run: func(e *env, args []string) error {
			if len(args) != 1 {
				return usagef("altnet tx send: want one transaction in hex, or - for standard input (run 'altnet tx send --help')")
			}
			raw, err := readTxHex(e, args[0])
			if err != nil {
				return err
			}
			c, err := config.Load(path)
			if err != nil {
				return err
			}
			if err := daemon.CheckVia(c, via); err != nil {
				return usagef("altnet tx send: --%v", err)
			}
			return txSend(e, c, raw, via)
		},
	}
}

// maxHexInput bounds what tx send reads from standard input.
const maxHexInput = 2*txqueue.MaxTxSize + 1024

// readTxHex decodes and checks the transaction argument.
func readTxHex(e *env, arg string) ([]byte, error) {
	if arg == "-" {
		b, err := io.ReadAll(io.LimitReader(e.stdin, maxHexInput+1))
		if err != nil {
			return nil, fmt.Errorf("tx send: read standard input: %w", err)
		}
		if len(b) > maxHexInput {
			return nil, fmt.Errorf("tx send: over %d bytes of hex on standard input", maxHexInput)
		}
		arg = string(b)
	}
	raw, err := hex.DecodeString(strings.Join(strings.Fields(arg), ""))
	if err != nil {
		return nil, fmt.Errorf("tx send: the transaction is not hexadecimal: %w", err)
	}
	if err := daemon.CheckTx(raw); err != nil {
		return nil, fmt.Errorf("tx send: %w", err)
	}
	return raw, nil
}

// txSend queues through the daemon, or in the folder when none runs.
func txSend(e *env, c config.Config, raw []byte, via string) error {
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	te, err := control.NewClient(c.Control).AddTx(ctx, raw, via)
	switch {
	case err == nil:
	case errors.Is(err, control.ErrNotRunning):
		if te, err = addToFolder(e, c, raw, via); err != nil {
			return err
		}
		stderrWarn(e, "the daemon is not running: the transaction waits in %s until it starts", daemon.QueueDir(c))
	default:
		return fmt.Errorf("tx send: %w", err)
	}
	if !c.Roles.Sender {
		stderrWarn(e, "roles.sender is off in the configuration: the daemon will not send the transaction until it is on")
	}
	fmt.Fprintln(e.stdout, te.TxID)
	return nil
}

// addToFolder writes the transaction into the queue folder. Run as root
// (the daemon runs as its own user), it gives what it creates to the
// owner of the data directory, so that the daemon can read and update it.
func addToFolder(e *env, c config.Config, raw []byte, via string) (control.TxEntry, error) {
	dir := daemon.QueueDir(c)
	uid, gid, chown := dataOwner(c.DataDir)
	q, bad, err := txqueue.Open(dir)
	if err != nil {
		return control.TxEntry{}, fmt.Errorf("tx send: %w", err)
	}
	defer q.Close()
	for _, b := range bad {
		stderrWarn(e, "%v", b)
	}
	te, err := q.Add(raw, via, time.Now())
	if err != nil {
		return control.TxEntry{}, fmt.Errorf("tx send: %w", err)
	}
	if chown {
		for _, p := range []string{filepath.Dir(dir), dir, filepath.Join(dir, te.TxID.String()+".json")} {
			if err := os.Chown(p, uid, gid); err != nil {
				return control.EntryOf(te), fmt.Errorf("tx send: queued, but give %s to the daemon's user: %w", p, err)
			}
		}
	}
	return control.EntryOf(te), nil
}

// dataOwner returns the owner of the data directory when this process
// runs as root and the directory belongs to another user.
func dataOwner(datadir string) (uid, gid int, ok bool) {
	if os.Geteuid() != 0 {
		return 0, 0, false
	}
	fi, err := os.Stat(datadir)
	if err != nil {
		return 0, 0, false
	}
	st, isUnix := fi.Sys().(*syscall.Stat_t)
	if !isUnix || st.Uid == 0 {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}

func txStatusCommand() *command {
	var (
		path   string
		asJSON bool
	)
	return &command{
		name:    "status",
		summary: "show where each queued emergency transaction is",
		usage:   "[TXID]",
		long: `Lists the emergency transaction queue, or the one transaction whose txid
starts with TXID (at least 8 hex digits): queued (with its attempts and
when it was last sent), accepted or known (a gateway acknowledged it),
rejected (with the node's reason) or expired (its attempts spent without
an acknowledgement). Asks the daemon when it runs, and reads the queue
folder when it does not.`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&path, "config", config.DefaultPath, "configuration `file`")
			fs.BoolVar(&asJSON, "json", false, "print the entries as JSON")
		},
		run: func(e *env, args []string) error {
			if len(args) > 1 {
				return usagef("altnet tx status: unexpected argument %q", args[1])
			}
			c, err := config.Load(path)
			if err != nil {
				return err
			}
			txs, err := listTxs(e, c)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				if txs, err = pickTx(txs, args[0]); err != nil {
					return err
				}
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(txs)
			}
			printTxs(e.stdout, txs, time.Now())
			return nil
		},
	}
}

// listTxs asks the daemon for the queue, or reads the folder.
func listTxs(e *env, c config.Config) ([]control.TxEntry, error) {
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	txs, err := control.NewClient(c.Control).Txs(ctx)
	if !errors.Is(err, control.ErrNotRunning) {
		return txs, err
	}
	dir := daemon.QueueDir(c)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	q, bad, err := txqueue.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("tx status: %w", err)
	}
	defer q.Close()
	for _, b := range bad {
		stderrWarn(e, "%v", b)
	}
	return control.EntriesOf(q.List()), nil
}

// pickTx returns the entry whose txid starts with prefix.
func pickTx(txs []control.TxEntry, prefix string) ([]control.TxEntry, error) {
	prefix = strings.ToLower(prefix)
	if _, err := hex.DecodeString(prefix + strings.Repeat("0", len(prefix)%2)); err != nil || len(prefix) < 8 || len(prefix) > 64 {
		return nil, usagef("altnet tx status: %q is not a txid (8 to 64 hex digits)", prefix)
	}
	var out []control.TxEntry
	for _, t := range txs {
		if strings.HasPrefix(t.TxID, prefix) {
			out = append(out, t)
		}
	}
	switch len(out) {
	case 0:
		return nil, fmt.Errorf("tx status: no transaction %s in the queue", prefix)
	case 1:
		return out, nil
	}
	return nil, fmt.Errorf("tx status: %d transactions start with %s; give more digits", len(out), prefix)
}

// stderrWarn writes a warning line.
func stderrWarn(e *env, format string, a ...any) {
	fmt.Fprintf(e.stderr, "altnet: warning: "+format+"\n", a...)
}
