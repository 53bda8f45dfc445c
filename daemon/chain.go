package daemon

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/headers"
	"github.com/btcsuite/btcd/chaincfg"
)

// Paths of the daemon's state under the data directory.
func headersDir(c config.Config) string { return filepath.Join(c.DataDir, c.Network, "headers") }

// QueueDir is where the emergency transaction queue of a configuration
// lives: DATADIR/NETWORK/txqueue. `altnet tx` opens it there too.
func QueueDir(c config.Config) string { return filepath.Join(c.DataDir, c.Network, "txqueue") }

// chainParams returns btcd's parameters of a network the configuration
// accepts, for the P2P bridge.
func chainParams(network string) (*chaincfg.Params, error) {
	switch network {
	case "mainnet":
		return &chaincfg.MainNetParams, nil
	case "testnet3":
		return &chaincfg.TestNet3Params, nil
	case "signet":
		return &chaincfg.SigNetParams, nil
	case "regtest":
		return &chaincfg.RegressionNetParams, nil
	}
	return nil, fmt.Errorf("daemon: network: %q has no P2P parameters", network)
}

// maxCheckpointFile bounds a checkpoint file: one line of a few hundred
// bytes.
const maxCheckpointFile = 4096

// checkpoint resolves chain.checkpoint: embedded, genesis or a file.
func checkpoint(c config.Config, p *headers.Params) (*headers.Checkpoint, error) {
	switch c.Chain.Checkpoint {
	case "embedded":
		cp := headers.DefaultCheckpoint(p)
		return &cp, nil
	case "genesis":
		cp := headers.GenesisCheckpoint(p)
		return &cp, nil
	}
	cp, err := readCheckpoint(c.Chain.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("daemon: chain.checkpoint: %w", err)
	}
	return &cp, nil
}

// readCheckpoint reads a checkpoint file: HEIGHT:HEADER:WORK[:TIME:BITS],
// or the same fields separated by spaces.
func readCheckpoint(path string) (headers.Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return headers.Checkpoint{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCheckpointFile+1))
	if err != nil {
		return headers.Checkpoint{}, err
	}
	if len(b) > maxCheckpointFile {
		return headers.Checkpoint{}, fmt.Errorf("%s: over %d bytes; a checkpoint is one line", path, maxCheckpointFile)
	}
	cp, err := headers.ParseCheckpoint(strings.Join(strings.Fields(string(b)), ":"))
	if err != nil {
		return headers.Checkpoint{}, fmt.Errorf("%s: %w", path, err)
	}
	return cp, nil
}

// openChain opens the header store of the configuration.
func (d *daemon) openChain() error {
	p, err := headers.ParamsByName(d.cfg.Network)
	if err != nil {
		return fmt.Errorf("daemon: network: %w", err)
	}
	cp, err := checkpoint(d.cfg, p)
	if err != nil {
		return err
	}
	dir := headersDir(d.cfg)
	c, err := headers.Open(dir, headers.Options{Params: p, Checkpoint: cp, Logger: d.log})
	switch {
	case errors.Is(err, headers.ErrCheckpointConflict):
		return fmt.Errorf("daemon: chain.checkpoint: %w (the store keeps the checkpoint it was created with: restore the key, or move %s away to start again)", err, dir)
	case errors.Is(err, headers.ErrLocked):
		return fmt.Errorf("daemon: datadir: %s: %w (is another altnet daemon using this datadir?)", dir, err)
	case err != nil:
		return fmt.Errorf("daemon: datadir: %w", err)
	}
	d.chain = c
	return nil
}
