// Package config reads the gateway's configuration file: one TOML file
// (by default /etc/altnet/altnet.toml) that chooses the roles of the board,
// the full node to talk to, and the radios with their settings and the
// traffic they carry.
//
// Every option has a default, so an empty file is a valid configuration
// (a receive-only gateway with no radio does nothing useful, but starts).
// A wrong value or an unknown key is an error that names the key and says
// why, for example `config: radio[0].sf: 13 not in 6..12`.
//
// docs/configuration.md and the README carry an annotated example; the
// example in testdata/ is parsed by the tests so the two cannot drift.
package config

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/BurntSushi/toml"
)

// DefaultPath is where the daemon looks for its configuration.
const DefaultPath = "/etc/altnet/altnet.toml"

// Config is the whole configuration file.
type Config struct {
	// Network is mainnet, testnet3, signet or regtest.
	Network string `toml:"network"`
	// DataDir holds the header store, the transaction queue and state.
	DataDir string `toml:"datadir"`
	// Callsign is the operator's amateur radio callsign. It is required
	// to transmit on amateur bands (every AX.25 radio, LoRa on the 70 cm
	// plan) and is carried in every AX.25 frame.
	Callsign string `toml:"callsign"`
	// Control is the path of the control socket that `altnet status` and
	// `altnet tx` talk to.
	Control string `toml:"control"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `toml:"log_level"`

	Roles     Roles     `toml:"roles"`
	Node      Node      `toml:"node"`
	Chain     Chain     `toml:"chain"`
	Broadcast Broadcast `toml:"broadcast"`
	Tx        Tx        `toml:"tx"`
	Alert     Alert     `toml:"alert"`
	Radios    []Radio   `toml:"radio"`
}

// Alert tells the operator about a better chain by running a program.
type Alert struct {
	// Command is run (no shell) when the radio comes to show more chain
	// work than the node, and again when it no longer does, with
	// ALTNET_EVENT (radio-ahead or radio-not-ahead) and the tips in its
	// environment. Empty: no command; the log and the status still say it.
	// The program must be given by absolute path.
	Command []string `toml:"command"`
}

// Roles chooses what this board does; any mix is allowed.
type Roles struct {
	// Uplink follows a full node and broadcasts headers over radio, and
	// pushes transactions heard over radio into the network.
	Uplink bool `toml:"uplink"`
	// Receiver validates and stores headers heard over radio and tells the
	// local node and the operator about a better chain.
	Receiver bool `toml:"receiver"`
	// Sender sends queued emergency transactions over radio.
	Sender bool `toml:"sender"`
}

// Node is the full node the gateway talks Bitcoin P2P with.
type Node struct {
	// Connect is the node's P2P address (host:port). The uplink follows
	// it; a receiver announces better chains to it.
	Connect string `toml:"connect"`
	// Listen is an address on which a local node may connect to a
	// receiver as to a peer (host:port); empty to not listen.
	Listen string `toml:"listen"`
}

// Chain configures the header chain.
type Chain struct {
	// Checkpoint is where a new store starts: "embedded" (the checkpoint
	// built into the binary for the network), "genesis", or the path of a
	// file holding HEIGHT:HEADER_HEX:CHAINWORK_HEX[:PERIODTIME:PERIODBITS]
	// (as headers.ParseCheckpoint reads it; spaces may separate the fields
	// instead of colons). An existing store keeps the checkpoint it was
	// created with: changing this key later is an error.
	Checkpoint string `toml:"checkpoint"`
}

// Broadcast configures what an uplink sends over one-way links.
type Broadcast struct {
	// Carousel is how many recent headers the uplink repeats, so
	// receivers that joined late or lost frames catch up.
	Carousel int `toml:"carousel"`
	// HeadersPerMessage caps the headers in one header-run message
	// (1..MaxHeadersPerMessage).
	HeadersPerMessage int `toml:"headers_per_message"`
}

// MaxHeadersPerMessage bounds broadcast.headers_per_message so that a run
// fits one link message (16 KB) even if compression saved nothing: 200
// headers of 80 bytes and a flag byte each, with the run's 12-byte
// prelude. Compressed, a run of real headers takes about half of that.
const MaxHeadersPerMessage = 200

// Tx configures emergency transactions.
type Tx struct {
	// Repeat is how often an unacknowledged transaction is sent again.
	Repeat Duration `toml:"repeat"`
	// Attempts is how many times a transaction is sent before it is
	// given up (the operator's budget).
	Attempts int `toml:"attempts"`
	// MaxDelay bounds the random delay before an uplink pushes a
	// transaction heard over radio into the network (identityless
	// broadcast: the timing does not point at the radio).
	MaxDelay Duration `toml:"max_delay"`
	// AckKey is a secret an uplink shares with its senders (at least 16
	// bytes; empty: acknowledgements are not authenticated). The
	// uplink tags its acknowledgements with it; a sender believes only
	// tagged ones. Authentication, not encryption: allowed on amateur
	// bands, where the content must stay readable.
	AckKey string `toml:"ack_key"`
}

// MinAckKeyLen is the shortest tx.ack_key accepted: anyone who hears a
// tagged acknowledgement can try keys offline, so the key must not be
// guessable.
const MinAckKeyLen = 16

// Duration is a time.Duration written as in Go ("90s", "5m").
type Duration struct{ time.Duration }

// UnmarshalText parses a duration such as "1m30s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 90s or 5m", b)
	}
	d.Duration = v
	return nil
}

// MarshalText formats the duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Default returns the configuration an empty file gives.
func Default() Config {
	return Config{
		Network:   "mainnet",
		DataDir:   "/var/lib/altnet",
		Control:   "/run/altnet/control.sock",
		LogLevel:  "info",
		Chain:     Chain{Checkpoint: "embedded"},
		Broadcast: Broadcast{Carousel: 144, HeadersPerMessage: 16},
		Tx: Tx{
			Repeat:   Duration{10 * time.Minute},
			Attempts: 12,
			MaxDelay: Duration{2 * time.Minute},
		},
	}
}

// Load reads and validates the file at path.
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and validates a configuration, filling defaults.
func Parse(b []byte) (Config, error) {
	c := Default()
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Config{}, fmt.Errorf("config: line %d: %s", pe.Position.Line, pe.Message)
		}
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return Config{}, fmt.Errorf("config: %s: unknown key", und[0])
	}
	keys := radioKeys(md, len(c.Radios))
	for i := range c.Radios {
		r := &c.Radios[i]
		set := func(key string, zero bool) bool {
			if keys == nil {
				return !zero // not known: a zero value counts as left out
			}
			return keys[i][key]
		}
		r.fillDefaults(i, set)
		if !set("carousel", r.Carousel == 0) {
			r.Carousel = c.Broadcast.Carousel
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// radioKeys returns, for each [[radio]] table in file order, the keys the
// file sets in it, or nil when the tables cannot be told apart (an inline
// array such as radio = [{...}, {...}] lists its keys without a boundary).
func radioKeys(md toml.MetaData, n int) []map[string]bool {
	var out []map[string]bool
	for _, k := range md.Keys() {
		switch {
		case len(k) == 1 && k[0] == "radio":
			out = append(out, map[string]bool{})
		case len(k) == 2 && k[0] == "radio" && len(out) > 0:
			out[len(out)-1][k[1]] = true
		}
	}
	if len(out) != n {
		return nil
	}
	return out
}
