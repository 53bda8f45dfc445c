package gateway

import (
	"math/big"
	"sync"
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
	NodeLink *p2p.Status    `json:"node_link,omitempty"`
	Drivers  []DriverStatus `json:"drivers"`
	Link     link.Stats     `json:"link"`
	Counters Counters       `json:"counters"`
	// HeldRuns and HeldBytes are the header runs held now, waiting for
	// the runs before them.
	HeldRuns  int             `json:"held_runs"`
	HeldBytes int             `json:"held_bytes"`
	Txs       []txqueue.Entry `json:"txs,omitempty"`
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
	node := g.nodeTip()
	st.HeldRuns, st.HeldBytes = g.held.status()
	g.mu.Lock()
	defer g.mu.Unlock()
	st.Counters = g.counters
	st.Radio = g.radioTip.status()
	st.Node = node.status()
	st.RadioAhead = radioAhead(g.radioTip, node)
	return st
}

func (r tipRecord) status() TipStatus {
	if r.Work == "" {
		return TipStatus{}
	}
	return TipStatus{Height: r.Height, Hash: r.Hash.String(), Work: r.Work, Since: r.At}
}

// radioAhead reports whether the radio has shown more work than the node.
func radioAhead(radio, node tipRecord) bool {
	return radio.Work != "" && node.Work != "" && more(radio, node)
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
	radio := g.radioTip
	g.mu.Unlock()
	node := g.nodeTip()
	if radioAhead(radio, node) {
		g.log.Warn("gateway: the radio sees a better chain than the node", "radio_height", rec.Height,
			"radio_hash", rec.Hash, "node_height", node.Height, "node_hash", node.Hash)
	}
}

// noteTip follows the best chain: a receiver tells its local node about
// every new tip (the node asks for what it lacks).
func (g *Gateway) noteTip() {
	if g.o.Roles.Receiver && g.o.Announcer != nil {
		g.o.Announcer.Announce()
	}
}

// nodeTip returns the node's best header as far as the gateway knows: the
// newest header the node sent, or, for an uplink whose chain follows its
// node without a NodeSink (the simulator's node), the chain's tip.
func (g *Gateway) nodeTip() tipRecord {
	var hash chainhash.Hash
	switch {
	case g.o.NodeHeaders != nil:
		h, ok := g.o.NodeHeaders.Last()
		if !ok {
			return tipRecord{}
		}
		hash = h
	case g.o.Roles.Uplink:
		hash = g.chain.Tip().Hash
	default:
		return tipRecord{}
	}
	info, err := g.chain.Lookup(hash)
	if err != nil {
		return tipRecord{}
	}
	return tipRecord{Height: info.Height, Hash: hash, Work: info.Work.Text(16)}
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

// NodeSink is the header sink of the connection to the full node: the
// chain's P2P view (headers.Chain.PeerView) that also remembers the newest
// header the node sent, so that the gateway can compare the node's chain
// with the radio's. Give it to the p2p.Client and to Options.NodeHeaders.
type NodeSink struct {
	p2p.HeaderSink
	chain *headers.Chain
	mu    sync.Mutex
	last  chainhash.Hash
	ok    bool
}

// NewNodeSink wraps the chain's P2P view.
func NewNodeSink(chain *headers.Chain) *NodeSink {
	return &NodeSink{HeaderSink: chain.PeerView(), chain: chain}
}

// AddHeaders hands the node's headers to the chain and remembers the
// newest one the chain knows afterwards.
func (s *NodeSink) AddHeaders(hs []wire.BlockHeader) error {
	err := s.HeaderSink.AddHeaders(hs)
	for i := len(hs) - 1; i >= 0; i-- {
		h := hs[i].BlockHash()
		if _, lerr := s.chain.Lookup(h); lerr == nil {
			s.mu.Lock()
			s.last, s.ok = h, true
			s.mu.Unlock()
			break
		}
	}
	return err
}

// Last returns the newest header the node sent that the chain knows.
func (s *NodeSink) Last() (chainhash.Hash, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, s.ok
}

// Counters count what the gateway did.
type Counters struct {
	RunsSent         int `json:"runs_sent"`        // header runs queued for the carousel or answers
	TipsSent         int `json:"tips_sent"`        // tip announcements queued
	RunsReceived     int `json:"runs_received"`    // header runs heard
	RunsUndecodable  int `json:"runs_undecodable"` // runs this chain could not decode (other branch, below the checkpoint, junk)
	RunsHeld         int `json:"runs_held"`        // runs heard ahead of the chain and held until their predecessors arrive
	HeadersAdded     int `json:"headers_added"`    // headers from radio the chain took
	HeadersRejected  int `json:"headers_rejected"` // radio headers that broke a rule
	TipsReceived     int `json:"tips_received"`
	RequestsSent     int `json:"requests_sent"`
	RequestsAnswered int `json:"requests_answered"`
	TxsHeard         int `json:"txs_heard"`  // radio transactions (uplink)
	TxsPushed        int `json:"txs_pushed"` // pushed into the node
	AcksSent         int `json:"acks_sent"`
	AcksHeard        int `json:"acks_heard"` // acknowledgements of our queue (sender)
	// AcksUnauthenticated counts acknowledgements of our queue ignored for
	// lack of a valid tag (sender with an ack key).
	AcksUnauthenticated int `json:"acks_unauthenticated"`
	TxsSent             int `json:"txs_sent"` // transmissions of queued transactions (sender)
}

// count updates the counters.
func (g *Gateway) count(f func(*Counters)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f(&g.counters)
}

// workHex is a tip's chain work in hexadecimal.
func workHex(t headers.Tip) string {
	if t.Work == nil {
		return ""
	}
	return t.Work.Text(16)
}
