package daemon

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/altnet/altnet/compress"
	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/control"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/txqueue"
)

var _ control.Backend = (*daemon)(nil)

// Status implements control.Backend.
func (d *daemon) Status() control.Status {
	st := control.Status{
		Status: d.gw.Status(),
		Daemon: control.Daemon{Version: d.o.Version, PID: os.Getpid(), Started: d.started, Config: d.o.ConfigPath,
			DataDir: d.cfg.DataDir, Node: d.cfg.Node.Connect, Listen: d.cfg.Node.Listen},
		Txs: control.EntriesOf(d.queue.List()),
	}
	for _, rr := range d.radios {
		st.Radios = append(st.Radios, rr.status())
	}
	if d.server != nil {
		st.Daemon.Listen = d.p2pLn.Addr().String()
		st.Peers = d.server.Peers()
	}
	return st
}

// Txs implements control.Backend: it looks for transactions another
// process added to the folder first.
func (d *daemon) Txs() ([]control.TxEntry, error) {
	bad, err := d.queue.Scan()
	for _, b := range bad {
		d.log.Error("daemon: damaged transaction file kept aside", "err", b)
	}
	if err != nil {
		return nil, err
	}
	return control.EntriesOf(d.queue.List()), nil
}

// AddTx implements control.Backend.
func (d *daemon) AddTx(raw []byte, via string) (control.TxEntry, error) {
	if err := CheckVia(d.cfg, via); err != nil {
		return control.TxEntry{}, fmt.Errorf("%w: %v", control.ErrInvalid, err)
	}
	if err := CheckTx(raw); err != nil {
		return control.TxEntry{}, fmt.Errorf("%w: %v", control.ErrInvalid, err)
	}
	e, err := d.queue.Add(raw, via, time.Now())
	if err != nil {
		return control.TxEntry{}, err
	}
	d.log.Info("altnet: emergency transaction queued", "txid", e.TxID, "bytes", len(raw), "via", via)
	return control.EntryOf(e), nil
}

// CheckVia checks that via is empty or names a radio of c that can
// transmit.
func CheckVia(c config.Config, via string) error {
	if via == "" {
		return nil
	}
	var names []string
	for _, r := range c.Radios {
		if r.Name == via {
			if !direction(r.Direction).CanSend() {
				return fmt.Errorf("via: radio %q is receive-only", via)
			}
			return nil
		}
		names = append(names, r.Name)
	}
	if len(names) == 0 {
		return fmt.Errorf("via: no radio %q: the configuration has no radio", via)
	}
	return fmt.Errorf("via: no radio %q (configured: %s)", via, strings.Join(names, ", "))
}

// CheckTx checks that raw is a transaction the queue takes
// (txqueue.Decode) and that the radio can carry: compressed, it must fit
// one link message.
func CheckTx(raw []byte) error {
	if _, err := txqueue.Decode(raw); err != nil {
		return err
	}
	data, err := compress.EncodeTx(nil, raw)
	if err != nil {
		return fmt.Errorf("daemon: compress the transaction: %w", err)
	}
	if len(data) > link.MaxMessage {
		return fmt.Errorf("daemon: the transaction compresses to %d bytes; a radio message carries at most %d", len(data), link.MaxMessage)
	}
	return nil
}
