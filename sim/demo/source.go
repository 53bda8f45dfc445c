package demo

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/internal/wallet"
	"github.com/altnet/altnet/p2p"
	"github.com/altnet/altnet/sim/simnode"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// source is the full node the uplink follows and pushes transactions into.
type source interface {
	// SendTx makes the source a gateway.TxPusher.
	SendTx(ctx context.Context, tx *wire.MsgTx) (p2p.TxResult, error)
	// follow feeds the uplink's chain until ctx ends.
	follow(ctx context.Context, up *station) error
	// tip is the node's best block as far as the demo knows.
	tip(up *station) (chainhash.Hash, int32)
	// nodeStatus is the P2P connection's status, nil for the simulated node.
	nodeStatus() func() p2p.Status
	// describe names the source for the screen.
	describe() string
	// transactions returns the raw transactions the sender sends, with
	// their labels and whether the node should accept them.
	transactions(cfg Config) ([]plannedTx, error)
}

// plannedTx is a transaction the sender will send.
type plannedTx struct {
	label  string
	raw    []byte
	accept bool // the node should accept it
}

func newSource(r *run) (source, error) {
	if r.cfg.Node != "" {
		return newPeerSource(r)
	}
	key := wallet.NewKey(fmt.Sprintf("altnet demo %d", r.cfg.Seed))
	n := simnode.New(key, r.clk)
	n.Mine(r.cfg.Premine)
	return &nodeSource{node: n, key: key}, nil
}

// nodeSource is the simulated node.
type nodeSource struct {
	node *simnode.Node
	key  *wallet.Key
}

func (s *nodeSource) SendTx(ctx context.Context, tx *wire.MsgTx) (p2p.TxResult, error) {
	return s.node.SendTx(ctx, tx)
}

func (s *nodeSource) follow(ctx context.Context, up *station) error {
	return s.node.Follow(ctx, up.sink)
}

func (s *nodeSource) tip(*station) (chainhash.Hash, int32) {
	h, height := s.node.Tip()
	return h.BlockHash(), height
}

func (s *nodeSource) nodeStatus() func() p2p.Status { return nil }

func (s *nodeSource) describe() string { return "simulated regtest node (sim/simnode)" }

// transactions spends the coinbases of blocks 1 and 2, the second with a
// broken signature.
func (s *nodeSource) transactions(cfg Config) ([]plannedTx, error) {
	good, err := s.spend(1)
	if err != nil {
		return nil, err
	}
	out := []plannedTx{{label: "valid", raw: serialize(good), accept: true}}
	if cfg.NoInvalid {
		return out, nil
	}
	bad, err := s.spend(2)
	if err == nil {
		bad, err = wallet.BreakSignature(bad)
	}
	if err != nil {
		return nil, fmt.Errorf("demo: invalid transaction: %w", err)
	}
	return append(out, plannedTx{label: "invalid", raw: serialize(bad)}), nil
}

// spend returns a signed segwit transaction spending the coinbase of the
// block at height back to the node's key.
func (s *nodeSource) spend(height int32) (*wire.MsgTx, error) {
	op, v, err := s.node.Coinbase(height)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	tx, err := s.key.Spend(op, v, 1000)
	if err != nil {
		return nil, fmt.Errorf("demo: spend coinbase %d: %w", height, err)
	}
	return tx, nil
}

func serialize(tx *wire.MsgTx) []byte {
	var b bytes.Buffer
	tx.Serialize(&b)
	return b.Bytes()
}

// peerSource is a real regtest node over P2P.
type peerSource struct {
	addr   string
	run    *run
	client atomic.Pointer[p2p.Client] // set once the uplink's chain exists
}

func newPeerSource(r *run) (*peerSource, error) {
	return &peerSource{addr: r.cfg.Node, run: r}, nil
}

// follow connects the P2P client once the uplink's chain exists. The
// connection to the node is real, so it runs on the real clock: its
// timeouts and pings are the node's business, not the simulation's.
func (s *peerSource) follow(ctx context.Context, up *station) error {
	c, err := p2p.NewClient(p2p.ClientConfig{Params: &chaincfg.RegressionNetParams, Node: s.addr,
		Chain: up.sink, Clock: clock.Real(), Logger: s.run.log.With("p2p", s.addr)})
	if err != nil {
		return err
	}
	s.client.Store(c)
	return c.Run(ctx)
}

func (s *peerSource) SendTx(ctx context.Context, tx *wire.MsgTx) (p2p.TxResult, error) {
	c := s.client.Load()
	if c == nil {
		return p2p.TxResult{}, fmt.Errorf("demo: not connected to %s yet", s.addr)
	}
	return c.SendTx(ctx, tx)
}

// tip is the uplink's tip once it has caught up with the height the node
// announced when it connected (before that the node's tip is not known,
// and a zero hash matches no receiver).
func (s *peerSource) tip(up *station) (chainhash.Hash, int32) {
	c := s.client.Load()
	if c == nil {
		return chainhash.Hash{}, 0
	}
	st, t := c.Status(), up.chain.Tip()
	if st.Connections == 0 || t.Height < st.StartHeight {
		return chainhash.Hash{}, 0
	}
	return t.Hash, t.Height
}

func (s *peerSource) nodeStatus() func() p2p.Status {
	return func() p2p.Status {
		if c := s.client.Load(); c != nil {
			return c.Status()
		}
		return p2p.Status{Node: s.addr}
	}
}

func (s *peerSource) describe() string { return "regtest node " + s.addr + " over P2P" }

// transactions is Config.Tx, if any: the demo knows no key of a real node.
func (s *peerSource) transactions(cfg Config) ([]plannedTx, error) {
	if len(cfg.Tx) == 0 {
		return nil, nil
	}
	tx := wire.NewMsgTx(2)
	if err := tx.Deserialize(bytes.NewReader(cfg.Tx)); err != nil {
		return nil, fmt.Errorf("%w: transaction: %v", ErrConfig, err)
	}
	return []plannedTx{{label: "given", raw: cfg.Tx, accept: true}}, nil
}
