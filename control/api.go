package control

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode"

	"github.com/altnet/altnet/gateway"
	"github.com/altnet/altnet/p2p"
	"github.com/altnet/altnet/txqueue"
)

// Status is what GET /status returns: the gateway's own status (roles,
// chain, radio and node tips, drivers, link and counters, flattened into
// the object) plus what only the daemon knows.
type Status struct {
	gateway.Status
	// Daemon describes the running process.
	Daemon Daemon `json:"daemon"`
	// Radios adds, for each configured radio in file order, what the
	// driver status lacks: its type, child process and last failure.
	Radios []Radio `json:"radios"`
	// Peers are the local nodes connected to a receiver's P2P listener.
	Peers []p2p.PeerInfo `json:"peers,omitempty"`
	// Txs is the emergency transaction queue.
	Txs []TxEntry `json:"txs"`
}

// Daemon describes the running daemon.
type Daemon struct {
	Version string    `json:"version"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	Config  string    `json:"config,omitempty"` // the configuration file
	DataDir string    `json:"datadir"`
	// Node is node.connect, and Listen the address node.listen bound,
	// when set.
	Node   string `json:"node,omitempty"`
	Listen string `json:"listen,omitempty"`
}

// Radio is a configured radio as the daemon runs it.
type Radio struct {
	Name string `json:"name"`
	Type string `json:"type"` // lora, kiss-tcp, kiss-serial
	// Process is true when the driver runs in a child process; PID is the
	// child's (0 while it is down) and Restarts how often it was restarted.
	Process  bool `json:"process"`
	PID      int  `json:"pid,omitempty"`
	Restarts int  `json:"restarts,omitempty"`
	// LastError is the driver's last failure and LastErrorAt its time.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// TxEntry is one queued emergency transaction.
type TxEntry struct {
	TxID string `json:"txid"`
	// Size is the raw transaction's length in bytes.
	Size int `json:"size"`
	// Via is the radio it goes out on; empty for every radio carrying txs.
	Via      string    `json:"via,omitempty"`
	Added    time.Time `json:"added"`
	Attempts int       `json:"attempts"`
	LastSent time.Time `json:"last_sent,omitzero"`
	// State is queued, accepted, known, rejected or expired.
	State string `json:"state"`
	// Code and Reason come with a rejection (BIP 61 code and text).
	Code   uint8     `json:"code,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Done   time.Time `json:"done,omitzero"`
}

// EntryOf converts a queue entry.
func EntryOf(e txqueue.Entry) TxEntry {
	return TxEntry{TxID: e.TxID.String(), Size: len(e.Raw), Via: e.Via, Added: e.Added, Attempts: e.Attempts,
		LastSent: e.LastSent, State: string(e.State), Code: e.Code, Reason: e.Reason, Done: e.Done}
}

// EntriesOf converts a queue listing.
func EntriesOf(es []txqueue.Entry) []TxEntry {
	out := make([]TxEntry, 0, len(es))
	for _, e := range es {
		out = append(out, EntryOf(e))
	}
	return out
}

// AddTx is the body of POST /txs.
type AddTx struct {
	// Hex is the signed raw transaction in hexadecimal.
	Hex string `json:"hex"`
	// Via names the radio to send it on (empty: every radio carrying txs).
	Via string `json:"via,omitempty"`
}

// MaxViaLen bounds a radio name in a request.
const MaxViaLen = 64

// MaxRequestBody bounds the body of a request: the hex of the largest
// transaction the queue takes, and room for the rest.
const MaxRequestBody = 2*txqueue.MaxTxSize + 1024

// ErrInvalid marks a request the daemon refused as malformed (HTTP 400).
var ErrInvalid = errors.New("control: invalid request")

// decodeAddTx parses and checks the body of POST /txs: exactly one JSON
// object with known fields, hex of at most txqueue.MaxTxSize bytes, and a
// short printable radio name. It does not check the transaction itself.
func decodeAddTx(body []byte) (raw []byte, via string, err error) {
	if len(body) > MaxRequestBody {
		return nil, "", fmt.Errorf("%w: body of %d bytes is over %d", ErrInvalid, len(body), MaxRequestBody)
	}
	var req AddTx
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if dec.More() {
		return nil, "", fmt.Errorf("%w: data after the JSON object", ErrInvalid)
	}
	if len(req.Hex) > 2*txqueue.MaxTxSize {
		return nil, "", fmt.Errorf("%w: transaction over %d bytes", ErrInvalid, txqueue.MaxTxSize)
	}
	raw, err = hex.DecodeString(req.Hex)
	if err != nil || len(raw) == 0 {
		return nil, "", fmt.Errorf("%w: hex: not a transaction in hexadecimal", ErrInvalid)
	}
	if err := checkName(req.Via); err != nil {
		return nil, "", err
	}
	return raw, req.Via, nil
}

// checkName accepts an empty or short printable radio name.
func checkName(s string) error {
	if len(s) > MaxViaLen {
		return fmt.Errorf("%w: via: radio name of %d bytes (at most %d)", ErrInvalid, len(s), MaxViaLen)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return fmt.Errorf("%w: via: %q is not a radio name", ErrInvalid, s)
		}
	}
	return nil
}
