package control

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/altnet/altnet/txqueue"
)

// ErrNotRunning is returned by a Client when no daemon answers on the
// socket.
var ErrNotRunning = errors.New("control: the daemon is not running")

// maxResponse bounds what a Client reads of a reply.
const maxResponse = 16 << 20

// Client talks to a daemon's control socket.
type Client struct {
	path string
	hc   *http.Client
}

// NewClient returns a client of the socket at path. Each request takes at
// most 30 s.
func NewClient(path string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives:     true,
		ResponseHeaderTimeout: writeTimeout,
	}
	return &Client{path: path, hc: &http.Client{Transport: tr, Timeout: writeTimeout}}
}

// Status returns the daemon's status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	return st, c.do(ctx, http.MethodGet, "/status", nil, &st)
}

// Txs returns the daemon's transaction queue.
func (c *Client) Txs(ctx context.Context) ([]TxEntry, error) {
	var txs []TxEntry
	return txs, c.do(ctx, http.MethodGet, "/txs", nil, &txs)
}

// AddTx queues a raw transaction with the daemon. A transaction already
// queued gives an error that matches txqueue.ErrDuplicate, one the daemon
// refuses an error that matches ErrInvalid.
func (c *Client) AddTx(ctx context.Context, raw []byte, via string) (TxEntry, error) {
	var e TxEntry
	return e, c.do(ctx, http.MethodPost, "/txs", AddTx{Hex: hex.EncodeToString(raw), Via: via}, &e)
}

// Error is a reply with an error status.
type Error struct {
	StatusCode int
	Message    string
}

// Error returns the daemon's message.
func (e *Error) Error() string { return "daemon: " + e.Message }

// Is matches ErrInvalid for a 400 reply and txqueue.ErrDuplicate for a
// 409.
func (e *Error) Is(target error) bool {
	return (target == ErrInvalid && e.StatusCode == http.StatusBadRequest) ||
		(target == txqueue.ErrDuplicate && e.StatusCode == http.StatusConflict)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("control: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://altnet"+path, body)
	if err != nil {
		return fmt.Errorf("control: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.dialError(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("control: read reply: %w", err)
	}
	if len(b) > maxResponse {
		return fmt.Errorf("control: reply over %d bytes", maxResponse)
	}
	if resp.StatusCode/100 != 2 {
		var ae apiError
		if json.Unmarshal(b, &ae) != nil || ae.Error == "" {
			ae.Error = resp.Status
		}
		return &Error{StatusCode: resp.StatusCode, Message: ae.Error}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("control: decode reply to %s %s: %w", method, path, err)
	}
	return nil
}

// dialError explains why the daemon could not be reached.
func (c *Client) dialError(err error) error {
	switch {
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("control: no daemon answers on %s: %w", c.path, ErrNotRunning)
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Errorf("control: %s: permission denied (run as the daemon's user, or join its group)", c.path)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("control: %s: the daemon did not answer within %v: %w", c.path, writeTimeout, err)
	}
	return fmt.Errorf("control: %s: %w", c.path, err)
}
