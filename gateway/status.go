package gateway

import (
	"math/big"
	"time"

	"github.com/altnet/altnet/headers"
	"github.com/altnet/altnet/p2p"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/traffic"
	"github.com/altnet/altnet/txqueue"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Status is a snapshot of the gateway for operators: `altnet status`
// prints it, the control API serves it as JSON.
type Status struct {
	Time    time.Time `json:"time"`
	Network string    `json:"network"`
	Roles   Roles     `json:"roles"`
	// Chain is the best header chain.
	Chain TipStatus `json:"chain"`
	// Radio is the best header learned by radio, and Node the node's best
	// header as far as the gateway knows (zero when unknown).
	Radio TipStatus `json:"radio"`
	Node  TipStatus `json:"node"`
	// RadioAhead is true when the radio has shown more chain work than the
	// node: the node may be cut off or eclipsed.
	RadioAhead bool `json:"radio_ahead"`
	// NodeLink is the P2P connection to the node, when there is one.
	NodeLink *p2p.Status     `json:"node_link,omitempty"`
	Drivers  []DriverStatus  `json:"drivers"`
	Link     link.Stats      `json:"link"`
	Counters Counters        `json:"counters"`
	Txs      []txqueue.Entry `json:"txs,omitempty"`
}

// TipStatus is a header by height, hash and chain work.
type TipStatus struct {
	Height int32     `json:"height"`
	Hash   string    `json:"hash,omitempty"`
	Work   string    `json:"work,omitempty"` // hexadecimal
	Since  time.Time `json:"since,omitzero"`
}

// DriverStatus is one radio's state, budget and traffic.
type DriverStatus struct {
	Name      string              `json:"name"`
	State     string              `json:"state"`
	Direction string              `json:"direction"`
	MTU       int                 `json:"mtu"`
	BitRate   int                 `json:"bit_rate"`
	Budget    radio.Budget        `json:"budget"`
	Traffic   traffic.DriverStats `json:"traffic"`
}

// Status returns a snapshot of the gateway.
func (g *Gateway) Status() Status {
	tip := g.chain.Tip()
	st := Status{
		Time:    g.clock.Now(),
		Network: g.chain.Params().Name,
		Roles:   g.o.Roles,
		Chain:   TipStatus{Height: tip.Height, Hash: tip.Hash.String(), Work: workHex(tip)},
		Link:    g.recv.Stats(),
	}
	for _, d := range g.o.Drivers {
		ds := DriverStatus{Name: d.Name(), State: d.State().String(), Direction: d.Capabilities().Direction.String(),
			MTU: d.Capabilities().MTU, BitRate: d.Capabilities().BitRate, Budget: d.Budget()}
		ds.Traffic, _ = g.sched.Stats(d.Name())
		st.Drivers = append(st.Drivers, ds)
	}
	if g.o.NodeStatus != nil {
		ns := g.o.NodeStatus()
		st.NodeLink = &ns
	}
	if g.o.Queue != nil {
		st.Txs = g.o.Queue.List()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	st.Counters = g.counters
	st.Radio = g.radioTip.status()
	st.Node = g.nodeTip.status()
	st.RadioAhead = g.radioAhead()
	return st
}

func (r tipRecord) status() TipStatus {
	if r.Work == "" {
		return TipStatus{}
	}
	return TipStatus{Height: r.Height, Hash: r.Hash.String(), Work: r.Work, Since: r.At}
}

// radioAhead reports whether the radio has shown more work than the node.
// Called with g.mu held.
func (g *Gateway) radioAhead() bool {
	if g.radioTip.Work == "" || g.nodeTip.Work == "" {
		return false
	}
	r, _ := new(big.Int).SetString(g.radioTip.Work, 16)
	n, _ := new(big.Int).SetString(g.nodeTip.Work, 16)
	return r != nil && n != nil && r.Cmp(n) > 0
}

// noteRadioHeader records a header learned by radio if it has more work
// than the best one so far, and warns the operator when the radio is now
// ahead of the node.
func (g *Gateway) noteRadioHeader(info headers.HeaderInfo, hash chainhash.Hash) {
	rec := tipRecord{Height: info.Height, Hash: hash, Work: info.Work.Text(16), At: g.clock.Now()}
	g.mu.Lock()
	if more(rec, g.radioTip) {
		g.radioTip = rec
	}
	ahead := g.radioAhead()
	node := g.nodeTip
	g.mu.Unlock()
	if ahead {
		g.log.Warn("gateway: the radio sees a better chain than the node", "radio_height", rec.Height,
			"radio_hash", rec.Hash, "node_height", node.Height, "node_hash", node.Hash)
	}
}

// NoteNodeHeader records a header the full node sent (the P2P sink calls
// it), so the status can compare the node's chain with the radio's.
func (g *Gateway) NoteNodeHeader(hash chainhash.Hash) {
	info, err := g.chain.Lookup(hash)
	if err != nil {
		return
	}
	rec := tipRecord{Height: info.Height, Hash: hash, Work: info.Work.Text(16), At: g.clock.Now()}
	g.mu.Lock()
	defer g.mu.Unlock()
	if more(rec, g.nodeTip) {
		g.nodeTip = rec
	}
}

// noteTip follows the best chain: a receiver tells its local node about
// every new tip (the node asks for what it lacks).
func (g *Gateway) noteTip(t headers.Tip, changed bool) {
	if changed && g.o.Roles.Receiver && g.o.Announcer != nil {
		g.o.Announcer.Announce()
	}
	if g.o.Roles.Uplink && g.o.NodeStatus == nil {
		// The chain follows the node directly (the simulator's node):
		// its tip is the node's.
		g.NoteNodeHeader(t.Hash)
	}
}

// more reports whether a has more chain work than b.
func more(a, b tipRecord) bool {
	if b.Work == "" {
		return true
	}
	x, _ := new(big.Int).SetString(a.Work, 16)
	y, _ := new(big.Int).SetString(b.Work, 16)
	return x != nil && y != nil && x.Cmp(y) > 0
}

// NodeSink wraps the chain's P2P view (headers.Chain.PeerView) so that the
// headers the full node sends are noted as the node's, for the status and
// the radio-ahead warning.
func (g *Gateway) NodeSink(v p2p.HeaderSink) p2p.HeaderSink { return nodeSink{v, g} }

type nodeSink struct {
	p2p.HeaderSink
	g *Gateway
}

func (s nodeSink) AddHeaders(hs []wire.BlockHeader) error {
	err := s.HeaderSink.AddHeaders(hs)
	for i := len(hs) - 1; i >= 0; i-- {
		if _, lerr := s.g.chain.Lookup(hs[i].BlockHash()); lerr == nil {
			s.g.NoteNodeHeader(hs[i].BlockHash())
			break
		}
	}
	return err
}
