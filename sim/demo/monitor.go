package demo

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/altnet/altnet/gateway"
	"github.com/altnet/altnet/headers"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/radio/traffic"
	"github.com/altnet/altnet/txqueue"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Snapshot is the state of the demonstration at one moment.
type Snapshot struct {
	// Elapsed is the simulated time since the start.
	Elapsed time.Duration
	// Source describes the node the uplink follows, and Tip is its best
	// block as far as the demo knows.
	Source string
	Tip    TipView
	// Stations are the uplink, the two receivers and the sender.
	Stations []StationView
	// Txs are the sender's transactions.
	Txs []TxView
	// Events are the notable moments so far, oldest first.
	Events []Event
}

// TipView is a block by height and hash.
type TipView struct {
	Height int32
	Hash   chainhash.Hash
}

// StationView is one station.
type StationView struct {
	Name, Role string
	// Receiver is true for the off-grid receivers, and Synced when the
	// receiver's chain ends at the node's tip.
	Receiver bool
	Synced   bool
	Status   gateway.Status
	Radios   []RadioView
}

// RadioView is one radio of a station.
type RadioView struct {
	Name        string
	Description string
	Budget      radio.Budget
	Traffic     traffic.DriverStats
	// Air is what the medium did with the radio's frames.
	Air medium.Stats
	// LateTxDone and TxTimeouts count the LoRa driver's transmissions
	// whose TxDone came only after a second wait, or never (on a scaled
	// clock, a sign that the host's timers fell behind).
	LateTxDone, TxTimeouts uint64
}

// TxView is one of the sender's transactions.
type TxView struct {
	Label string
	// Accept says whether the node should accept it.
	Accept bool
	Entry  txqueue.Entry
}

// Event is a notable moment: a block, a reorganisation, a receiver
// catching up, a transaction sent or acknowledged.
type Event struct {
	At   time.Duration
	Text string
}

// catchUp records a receiver's progress towards the node's tip.
type catchUp struct {
	first  time.Duration // when it first reached the tip (-1: never)
	lags   []time.Duration
	synced bool
	reorgs int
}

// monitor watches the run: convergence, transactions, events, progress.
type monitor struct {
	r *run

	mu        sync.Mutex
	events    []Event
	txs       []*txRecord
	tip       TipView
	tipAt     time.Duration
	receivers map[string]*catchUp
}

// checkEvery is how often the monitor compares the receivers with the tip.
const checkEvery = time.Second

func newMonitor(r *run) *monitor {
	m := &monitor{r: r, receivers: make(map[string]*catchUp)}
	for _, s := range r.receivers {
		m.receivers[s.name] = &catchUp{first: -1}
	}
	return m
}

// run checks every second and reports progress every Config.Every until
// ctx ends.
func (m *monitor) run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, s := range m.r.receivers {
		sub := s.chain.Subscribe(16)
		wg.Go(func() { m.watchReorgs(ctx, s.name, sub) })
	}
	defer wg.Wait()
	t := m.r.clk.NewTicker(checkEvery)
	defer t.Stop()
	next := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
		m.check()
		if el := m.elapsed(); el >= next && m.r.cfg.Progress != nil {
			m.r.cfg.Progress(m.snapshot())
			next = el + m.r.cfg.Every
		}
	}
}

// watchReorgs notes a receiver's reorganisations.
func (m *monitor) watchReorgs(ctx context.Context, name string, sub *headers.Subscription) {
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-sub.Events():
			if ev.Kind != headers.EventReorg {
				continue
			}
			m.mu.Lock()
			m.receivers[name].reorgs++
			m.mu.Unlock()
			m.event("%s: reorganised: %d headers replaced above height %d, tip %d",
				name, ev.Depth, ev.ForkHeight, ev.Tip.Height)
		}
	}
}

func (m *monitor) elapsed() time.Duration { return m.r.clk.Since(m.r.start) }

// event records a notable moment.
func (m *monitor) event(format string, a ...any) {
	e := Event{At: m.elapsed(), Text: fmt.Sprintf(format, a...)}
	m.mu.Lock()
	// Events come from several goroutines: keep them in time order.
	i := len(m.events)
	for i > 0 && m.events[i-1].At > e.At {
		i--
	}
	m.events = slices.Insert(m.events, i, e)
	m.mu.Unlock()
	m.r.log.Info("demo: " + e.Text)
}

// addTx starts following one of the sender's transactions.
func (m *monitor) addTx(p plannedTx, e txqueue.Entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.txs = append(m.txs, &txRecord{plannedTx: p, entry: e})
}

// check compares every receiver with the node's tip and notes what the
// sender's transactions went through.
func (m *monitor) check() {
	hash, height := m.r.src.tip(m.r.up)
	now := m.elapsed()
	m.mu.Lock()
	if hash != m.tip.Hash {
		m.tip, m.tipAt = TipView{Height: height, Hash: hash}, now
		for _, c := range m.receivers {
			c.synced = false
		}
	}
	var notes []string
	for _, s := range m.r.receivers {
		c := m.receivers[s.name]
		if c.synced || s.chain.Tip().Hash != hash {
			continue
		}
		c.synced = true
		c.lags = append(c.lags, now-m.tipAt)
		if c.first < 0 {
			c.first = now
		}
		notes = append(notes, fmt.Sprintf("%s: at the node's tip %d (%v after it changed)", s.name, height, (now-m.tipAt).Round(time.Second)))
	}
	notes = append(notes, m.txNotes()...)
	m.mu.Unlock()
	for _, n := range notes {
		m.event("%s", n)
	}
}

// txNotes updates the transactions from the sender's queue and describes
// what changed. Called with m.mu held.
func (m *monitor) txNotes() []string {
	var notes []string
	for _, t := range m.txs {
		e, ok := m.r.snd.queue.Get(t.entry.TxID)
		if !ok {
			continue
		}
		old := t.entry
		t.entry = e
		id := short(e.TxID.String())
		if e.Attempts > old.Attempts {
			notes = append(notes, fmt.Sprintf("sender: %s tx %s on the air (attempt %d)", t.label, id, e.Attempts))
		}
		if e.State != old.State && e.State.Final() {
			notes = append(notes, fmt.Sprintf("sender: %s tx %s %s", t.label, id, describeTx(e)))
		}
	}
	return notes
}

// describeTx says what became of a transaction.
func describeTx(e txqueue.Entry) string {
	switch e.State {
	case txqueue.Accepted:
		return "acknowledged: accepted into the mempool"
	case txqueue.Known:
		return "acknowledged: the node already had it"
	case txqueue.Rejected:
		return fmt.Sprintf("acknowledged: rejected (%s, 0x%02x)", e.Reason, e.Code)
	case txqueue.Expired:
		return fmt.Sprintf("given up unacknowledged after %d attempts", e.Attempts)
	}
	return string(e.State)
}

// snapshot gathers the state of every station.
func (m *monitor) snapshot() Snapshot {
	m.mu.Lock()
	snap := Snapshot{Elapsed: m.elapsed(), Source: m.r.src.describe(), Tip: m.tip,
		Events: append([]Event(nil), m.events...)}
	for _, t := range m.txs {
		snap.Txs = append(snap.Txs, TxView{Label: t.label, Accept: t.accept, Entry: t.entry})
	}
	synced := make(map[string]bool)
	for n, c := range m.receivers {
		synced[n] = c.synced
	}
	m.mu.Unlock()
	for _, s := range m.r.stations {
		_, rx := synced[s.name]
		v := StationView{Name: s.name, Role: s.role, Receiver: rx, Synced: synced[s.name], Status: s.gw.Status()}
		for _, name := range s.radios {
			v.Radios = append(v.Radios, m.radioView(name, v.Status))
		}
		snap.Stations = append(snap.Stations, v)
	}
	return snap
}

func (m *monitor) radioView(name string, st gateway.Status) RadioView {
	v := RadioView{Name: name, Air: m.r.world.Stats(name)}
	if rd, ok := m.r.world.Radio(name); ok {
		v.Description = rd.Description
		if rd.LoRa != nil {
			st := rd.LoRa.Stats()
			v.LateTxDone, v.TxTimeouts = st.LateTxDone, st.TxTimeouts
		}
	}
	for _, d := range st.Drivers {
		if d.Name == name {
			v.Budget, v.Traffic = d.Budget, d.Traffic
		}
	}
	return v
}
