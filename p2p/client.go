package p2p

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// HeaderSink is the caller's header chain as the client sees it: it says
// where the chain stands and takes the headers the node sends. It decides
// everything else (validation, best chain, reorgs). Its methods are called
// from the client's connection goroutine, one at a time.
type HeaderSink interface {
	// BlockLocator returns the hashes of the sink's best chain, newest
	// first, thinning out backwards and ending with the genesis hash (as
	// blockchain.BlockLocator). An empty locator means "only genesis". The
	// client sends at most 500 of them (wire.MaxBlockLocatorsPerMsg).
	BlockLocator() []chainhash.Hash
	// AddHeaders takes headers in the order the node sent them: a reply
	// to getheaders (up to 2,000) or an announcement of new blocks. It
	// returns an error when they do not connect to the sink's chain or fail
	// validation; after an announcement that does not connect, the client
	// asks the node for headers from the sink's locator.
	//
	// An error with a method AskAgain() bool that reports true asks the
	// client to send another getheaders from BlockLocator at once, even
	// though the reply was not full (the sink switched strategy, as a
	// headers-presync does).
	AddHeaders(headers []wire.BlockHeader) error
}

// ClientConfig configures a Client. Params, Node and Chain are required;
// every other field has a default.
type ClientConfig struct {
	// Params selects the network (magic and genesis).
	Params *chaincfg.Params
	// Node is the full node's P2P address, HOST:PORT.
	Node string
	// Chain receives the node's headers.
	Chain HeaderSink
	// Clock drives backoff, pings and timeouts (default: the real clock).
	Clock clock.Clock
	// Logger receives the client's logs (default: discard).
	Logger *slog.Logger
	// Dial opens the TCP connection (default: net.Dialer.DialContext).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// UserAgent is sent in the version message (default "/altnet:0.1.0/").
	UserAgent string
	// RelayTxs asks the node to announce its mempool transactions to us.
	// Off by default: a gateway on a busy node has no use for them. The
	// version message asks for transaction relay either way (Bitcoin Core
	// keeps no relay state for, and serves no transaction to, a peer that
	// does not); without RelayTxs the feefilter then asks for nothing.
	RelayTxs bool
	// MinBackoff and MaxBackoff bound the wait between connection attempts,
	// which doubles after each failure (defaults 1 s and 1 min).
	MinBackoff, MaxBackoff time.Duration
	// DialTimeout bounds a connection attempt (default 10 s).
	DialTimeout time.Duration
	// HandshakeTimeout bounds the version/verack exchange (default 30 s).
	HandshakeTimeout time.Duration
	// WriteTimeout bounds one message write (default 30 s).
	WriteTimeout time.Duration
	// PingInterval is how often the client pings; a ping still unanswered
	// at the next one ends the connection (default 2 min).
	PingInterval time.Duration
	// HeadersTimeout is how long a getheaders may go unanswered before
	// another may be sent (default 30 s; btcd ignores getheaders while its
	// tip is more than 24 hours old).
	HeadersTimeout time.Duration
	// ResyncInterval is how often the client asks for headers even without
	// an announcement (default 10 min).
	ResyncInterval time.Duration
	// TxGetDataTimeout is how long the client waits for the node to request
	// an announced transaction before it asks the node whether it has it
	// (default 10 s; Core delays requests to inbound peers by seconds).
	TxGetDataTimeout time.Duration
	// TxResultTimeout is how long the client waits for a verdict after
	// sending a transaction or asking for it (default 10 s).
	TxResultTimeout time.Duration
	// TxConfirmWindow is how long the client keeps asking a Bitcoin Core
	// node (user agent /Satoshi:) for a transaction it sent and the node
	// did not serve back (default 3 min). Core sends no reject and serves a
	// transaction to a peer only once it has announced its mempool to that
	// peer since taking it (every 5 s on average; older Core: once the
	// transaction is 2 min old), so a notfound right after the send is no
	// verdict there.
	TxConfirmWindow time.Duration
	// MaxQueuedTxs bounds the transactions waiting for an outcome
	// (default 64).
	MaxQueuedTxs int
}

// DefaultUserAgent is the BIP 14 user agent sent when none is configured.
const DefaultUserAgent = "/altnet:0.1.0/"

func (c *ClientConfig) setDefaults() error {
	if c.Params == nil || c.Node == "" || c.Chain == nil {
		return errors.New("p2p: client needs Params, Node and Chain")
	}
	c.Clock = clock.OrReal(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Dial == nil {
		c.Dial = (&net.Dialer{}).DialContext
	}
	setDefault(&c.UserAgent, DefaultUserAgent)
	setDefault(&c.MinBackoff, time.Second)
	setDefault(&c.MaxBackoff, time.Minute)
	setDefault(&c.DialTimeout, 10*time.Second)
	setDefault(&c.HandshakeTimeout, 30*time.Second)
	setDefault(&c.WriteTimeout, 30*time.Second)
	setDefault(&c.PingInterval, 2*time.Minute)
	setDefault(&c.HeadersTimeout, 30*time.Second)
	setDefault(&c.ResyncInterval, 10*time.Minute)
	setDefault(&c.TxGetDataTimeout, 10*time.Second)
	setDefault(&c.TxResultTimeout, 10*time.Second)
	setDefault(&c.TxConfirmWindow, 3*time.Minute)
	setDefault(&c.MaxQueuedTxs, 64)
	c.MaxBackoff = max(c.MaxBackoff, c.MinBackoff)
	if c.MaxQueuedTxs < 0 {
		return fmt.Errorf("p2p: MaxQueuedTxs %d is negative", c.MaxQueuedTxs)
	}
	return positive(map[string]time.Duration{
		"MinBackoff": c.MinBackoff, "DialTimeout": c.DialTimeout, "HandshakeTimeout": c.HandshakeTimeout,
		"WriteTimeout": c.WriteTimeout, "PingInterval": c.PingInterval, "HeadersTimeout": c.HeadersTimeout,
		"ResyncInterval": c.ResyncInterval, "TxGetDataTimeout": c.TxGetDataTimeout, "TxResultTimeout": c.TxResultTimeout,
		"TxConfirmWindow": c.TxConfirmWindow,
	})
}

// positive returns an error naming the first (alphabetically) of the
// durations that is not positive: a negative interval would make a ticker
// panic, a negative timeout end every wait at once.
func positive(ds map[string]time.Duration) error {
	for _, name := range slices.Sorted(maps.Keys(ds)) {
		if ds[name] <= 0 {
			return fmt.Errorf("p2p: %s %v is not positive", name, ds[name])
		}
	}
	return nil
}

// setDefault sets *v to d when *v is the zero value.
func setDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// Client is the outbound side of the bridge: it keeps one connection to a
// full node, follows the node's headers into a HeaderSink and pushes
// transactions. Run drives it; SendTx and Status may be called from any
// goroutine.
type Client struct {
	cfg   ClientConfig
	log   *slog.Logger
	queue *txQueue
	nonce uint64

	mu     sync.Mutex
	status Status
}

// Status is a snapshot of a Client for operators and status commands.
type Status struct {
	// Connected is true between a completed handshake and the disconnection.
	Connected bool `json:"connected"`
	// Node is the configured node address.
	Node string `json:"node"`
	// UserAgent, Version and StartHeight come from the node's version
	// message on the current (or last) connection.
	UserAgent   string `json:"user_agent"`
	Version     int32  `json:"version"`
	StartHeight int32  `json:"start_height"`
	// Since is when the current connection's handshake completed.
	Since time.Time `json:"since"`
	// Connections counts completed handshakes.
	Connections int `json:"connections"`
	// LastError is the reason the last connection ended or failed.
	LastError string `json:"last_error"`
	// HeadersReceived counts headers handed to the sink.
	HeadersReceived uint64 `json:"headers_received"`
	// LastHeaders is when the node last sent headers.
	LastHeaders time.Time `json:"last_headers"`
	// QueuedTxs is how many transactions wait for an outcome.
	QueuedTxs int `json:"queued_txs"`
	// TxEchoes counts the node's inv echoes of transactions we pushed,
	// recognised and dropped.
	TxEchoes uint64 `json:"tx_echoes"`
}

// NewClient checks cfg and returns a client; call Run to connect.
func NewClient(cfg ClientConfig) (*Client, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, log: cfg.Logger, queue: newTxQueue(cfg.MaxQueuedTxs), nonce: newNonce()}
	c.status.Node = cfg.Node
	return c, nil
}

// Status returns a snapshot of the client's state.
func (c *Client) Status() Status {
	c.mu.Lock()
	s := c.status
	c.mu.Unlock()
	s.QueuedTxs = c.queue.len()
	return s
}

func (c *Client) update(f func(*Status)) {
	c.mu.Lock()
	f(&c.status)
	c.mu.Unlock()
}

// Run connects to the node and keeps the connection: after a failure or a
// disconnection it waits (MinBackoff, doubling up to MaxBackoff; back to
// MinBackoff after a connection that completed its handshake) and connects
// again. It returns ctx.Err() when ctx ends.
func (c *Client) Run(ctx context.Context) error {
	backoff := c.cfg.MinBackoff
	for {
		handshook, err := c.connectOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.update(func(s *Status) { s.Connected = false; s.LastError = err.Error() })
		if handshook {
			backoff = c.cfg.MinBackoff
		}
		c.log.Warn("p2p: node connection ended", "node", c.cfg.Node, "err", err, "retry_in", backoff)
		if err := sleep(ctx, c.cfg.Clock, backoff); err != nil {
			return err
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
	}
}

// connectOnce dials, shakes hands and runs one session until it ends. It
// reports whether the handshake completed.
func (c *Client) connectOnce(ctx context.Context) (bool, error) {
	dctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	nc, err := c.cfg.Dial(dctx, "tcp", c.cfg.Node)
	cancel()
	if err != nil {
		return false, fmt.Errorf("p2p: dial %s: %w", c.cfg.Node, err)
	}
	p := newPeerConn(nc, c.cfg.Params.Net, c.cfg.WriteTimeout, c.log)
	defer p.close()
	stop := context.AfterFunc(ctx, func() { _ = nc.Close() })
	defer stop()
	remote, err := handshake(p, c.localVersion(), true, c.cfg.HandshakeTimeout)
	if err != nil {
		return false, fmt.Errorf("p2p: %s: %w", c.cfg.Node, err)
	}
	c.onConnected(remote)
	s := newSession(c, p)
	s.confirmByProbe = strings.Contains(remote.UserAgent, "/Satoshi:")
	return true, s.run(ctx)
}

func (c *Client) localVersion() localVersion {
	return localVersion{
		magic:     c.cfg.Params.Net,
		services:  wire.SFNodeWitness,
		userAgent: c.cfg.UserAgent,
		relay:     true, // see RelayTxs
		nonce:     c.nonce,
		now:       c.cfg.Clock.Now(),
	}
}

func (c *Client) onConnected(remote *wire.MsgVersion) {
	now := c.cfg.Clock.Now()
	c.update(func(s *Status) {
		s.Connected = true
		s.UserAgent, s.Version, s.StartHeight = remote.UserAgent, remote.ProtocolVersion, remote.LastBlock
		s.Since = now
		s.Connections++
	})
	c.log.Info("p2p: connected to node", "node", c.cfg.Node, "agent", remote.UserAgent,
		"version", remote.ProtocolVersion, "height", remote.LastBlock)
	if remote.Services&wire.SFNodeWitness == 0 {
		c.log.Warn("p2p: node does not advertise NODE_WITNESS; segwit transactions will be refused",
			"node", c.cfg.Node, "services", remote.Services)
	}
}

// SendTx pushes tx to the node and waits for the outcome. While the client
// is disconnected the transaction waits in a bounded queue (MaxQueuedTxs;
// ErrQueueFull beyond) and is pushed on the next connection; a push cut
// short by a disconnection starts again on the next one. Pushing the same
// transaction (same wtxid) twice joins the first push; a witness variant
// (same txid, other wtxid) is pushed on its own once the first push has
// ended, and gets its own outcome. SendTx returns ctx.Err() when ctx ends
// first, which also drops the transaction from the queue.
func (c *Client) SendTx(ctx context.Context, tx *wire.MsgTx) (TxResult, error) {
	e, err := c.queue.add(tx)
	if err != nil {
		return TxResult{}, err
	}
	select {
	case <-e.done:
		return e.res, nil
	case <-ctx.Done():
		c.queue.release(e)
		return TxResult{TxID: e.txid}, ctx.Err()
	}
}
