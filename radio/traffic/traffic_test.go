package traffic

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/radio/simdriver"
)

var sf9 = lora.Modem{SF: lora.SF9, Bandwidth: lora.BW125, CodingRate: lora.CR4_5, Preamble: 8, CRC: true}

// bench is a gateway with sending drivers, each heard by one receiving
// node whose messages are recorded in order.
type bench struct {
	t   *testing.T
	m   *medium.Medium
	gw  map[string]*simdriver.Driver
	mu  sync.Mutex
	got map[string][]Incoming // by gateway driver name
}

type gwDriver struct {
	name    string
	freq    int64
	dir     radio.Direction
	allowed time.Duration // per hour; zero: unlimited
}

func newBench(t *testing.T, drivers ...gwDriver) *bench {
	b := &bench{t: t, m: medium.New(medium.Options{Seed: 7}), gw: map[string]*simdriver.Driver{}, got: map[string][]Incoming{}}
	for _, g := range drivers {
		ch := medium.Channel{Frequency: g.freq, Modulation: "lora sf9 bw125"}
		d, err := simdriver.Open(simdriver.Options{Name: g.name, Medium: b.m, Channel: ch, Direction: g.dir,
			MTU: 255, BitRate: 1758, Airtime: sf9.Airtime, Window: time.Hour, Allowed: g.allowed})
		if err != nil {
			t.Fatal(err)
		}
		b.gw[g.name] = d
		rx, err := simdriver.Open(simdriver.Options{Name: "rx-" + g.name, Medium: b.m, Channel: ch,
			Direction: radio.ReceiveOnly, MTU: 255, Airtime: sf9.Airtime, RxQueue: 1024})
		if err != nil {
			t.Fatal(err)
		}
		b.m.Connect(g.name, "rx-"+g.name, medium.Link{})
		r, err := link.NewReceiver(link.Mainnet, link.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		name := g.name
		go Listen(t.Context(), Listener{Drivers: []radio.Driver{rx}, Receiver: r}, func(in Incoming) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.got[name] = append(b.got[name], in)
		})
	}
	return b
}

func (b *bench) scheduler(o Options) *Scheduler {
	b.t.Helper()
	o.Network = link.Mainnet
	for _, g := range b.gw {
		if o.Drivers == nil {
			o.Drivers = []DriverConfig{}
		}
		found := false
		for _, dc := range o.Drivers {
			found = found || dc.Driver == radio.Driver(g)
		}
		if !found {
			o.Drivers = append(o.Drivers, DriverConfig{Driver: g})
		}
	}
	s, err := New(o)
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// start runs the scheduler; tests queue their messages first, so the
// order on the air does not depend on goroutine scheduling.
func (b *bench) start(s *Scheduler) { go s.Run(b.t.Context()) }

// types returns the types of the messages heard from driver name, in order.
func (b *bench) types(name string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, in := range b.got[name] {
		out = append(out, in.Type.String())
	}
	return out
}

func tx(i int) link.Tx { return link.Tx{Data: []byte(fmt.Sprintf("transaction %d", i))} }

func run(height uint32, n int) link.HeaderRun {
	return link.HeaderRun{Height: height, Count: uint16(n), History: 1, Data: make([]byte, 40*n)}
}

// TestPriorities: with the budget exhausted, everything waits; when it
// frees, transactions go before tips before answers before the carousel.
func TestPriorities(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBench(t, gwDriver{"lora0", 869_525_000, radio.TransmitOnly, 2 * time.Second})
		// Spend the budget before the scheduler starts.
		for b.gw["lora0"].Budget().Remaining() > sf9.Airtime(200) {
			if err := b.gw["lora0"].Send(t.Context(), make([]byte, 200)); err != nil {
				t.Fatal(err)
			}
		}
		s := b.scheduler(Options{Drivers: []DriverConfig{{Driver: b.gw["lora0"], Carousel: true, Reserve: 0.01}}})
		must(t, s.AddToCarousel(run(100, 1)))
		must(t, s.Send(run(50, 2)))
		must(t, s.Send(link.Tip{Height: 101, Header: make([]byte, 80)}))
		must(t, s.Send(tx(1)))
		must(t, s.Send(link.TxAck{Status: link.AckAccepted}))
		b.start(s)
		time.Sleep(2 * time.Hour)
		synctest.Wait()
		got := b.types("lora0")
		want := []string{"tx", "txack", "tip", "headers", "headers"}
		if len(got) < len(want) || fmt.Sprint(got[:len(want)]) != fmt.Sprint(want) {
			t.Fatalf("order %v, want %v first", got, want)
		}
		st, _ := s.Stats("lora0")
		if st.BudgetWaits == 0 {
			t.Fatalf("no budget waits: %+v", st)
		}
	})
}

// TestDutyCycleHeld runs two hours of carousel at 1 % duty cycle, and
// checks each minute that the rolling hour's airtime stays within the
// carousel's share (75 % of 36 s, plus the one frame that may cross it).
func TestDutyCycleHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBench(t, gwDriver{"lora0", 869_525_000, radio.TransmitOnly, 36 * time.Second})
		d := b.gw["lora0"]
		s := b.scheduler(Options{Drivers: []DriverConfig{{Driver: d, Carousel: true,
			Redundancy: link.Redundancy{Loss: 0.2, Target: 0.99}}}})
		for h := range 144 {
			must(t, s.AddToCarousel(run(uint32(h), 1)))
		}
		b.start(s)
		share := 27*time.Second + sf9.Airtime(255)
		for range 120 {
			time.Sleep(time.Minute)
			if u := d.Budget().Used; u > share {
				t.Fatalf("rolling hour holds %v of airtime, carousel share %v", u, share)
			}
		}
		st, _ := s.Stats("lora0")
		if st.Airtime < 45*time.Second {
			t.Fatalf("carousel spent only %v in two hours", st.Airtime)
		}
		// Three copies of about 0.25 s each per message: about 27 s / 0.75 s
		// = 36 messages an hour within the carousel's share, minus losses.
		if n := len(b.types("lora0")); n < 45 {
			t.Fatalf("receiver heard %d carousel messages", n)
		}
	})
}

// TestAssignment: headers go out on LoRa, transactions on AX.25, and SendTo
// overrides the assignment.
func TestAssignment(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBench(t, gwDriver{"lora0", 869_525_000, radio.TransmitOnly, 0}, gwDriver{"ax0", 144_800_000, radio.TwoWay, 0})
		a, err := ParseAssignment("headers=lora0 tip=lora0 tx=ax0 txack=ax0")
		must(t, err)
		s := b.scheduler(Options{Assignment: a})
		must(t, s.Send(run(1, 1)))
		must(t, s.Send(tx(1)))
		must(t, s.Send(link.Tip{Height: 2, Header: []byte{1}}))
		must(t, s.SendTo("lora0", tx(2)))
		b.start(s)
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := fmt.Sprint(b.types("lora0")); got != "[tx tip headers]" {
			t.Errorf("lora0 carried %s", got)
		}
		if got := fmt.Sprint(b.types("ax0")); got != "[tx]" {
			t.Errorf("ax0 carried %s", got)
		}
		if err := s.SendTo("nosuch", tx(3)); err == nil {
			t.Error("SendTo an unknown driver accepted")
		}
		if _, err := New(Options{Drivers: []DriverConfig{{Driver: b.gw["ax0"]}}, Assignment: a}); err == nil {
			t.Error("assignment to a driver not configured accepted")
		}
	})
}

// TestTransactionPreemptsCarousel: a transaction queued while a long
// carousel message is on the air goes out between two of its fragments.
func TestTransactionPreemptsCarousel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBench(t, gwDriver{"lora0", 869_525_000, radio.TransmitOnly, 0})
		s := b.scheduler(Options{Drivers: []DriverConfig{{Driver: b.gw["lora0"], Carousel: true, CarouselGap: time.Hour}}})
		must(t, s.AddToCarousel(run(0, 100))) // 4000 bytes: 17 fragments, about 8 s
		b.start(s)
		time.Sleep(2 * time.Second)
		must(t, s.Send(tx(1)))
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := fmt.Sprint(b.types("lora0")); got != "[tx headers]" {
			t.Fatalf("heard %s, want the transaction first", got)
		}
	})
}

func TestTipReplacedAndCarouselDepth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBench(t, gwDriver{"lora0", 869_525_000, radio.TransmitOnly, 0})
		d := b.gw["lora0"]
		s, err := New(Options{Network: link.Mainnet, Drivers: []DriverConfig{{Driver: d}}})
		must(t, err)
		for h := range 5 { // not running yet: the tips wait in the queue
			must(t, s.Send(link.Tip{Height: uint32(h), Header: []byte{1}}))
		}
		go s.Run(t.Context())
		time.Sleep(time.Minute)
		synctest.Wait()
		b.mu.Lock()
		if n := len(b.got["lora0"]); n != 1 || b.got["lora0"][0].Message.(link.Tip).Height != 4 {
			t.Errorf("heard %d tips, want only the last", n)
		}
		b.mu.Unlock()
		for h := range 200 {
			must(t, s.AddToCarousel(run(uint32(h), 1)))
		}
		must(t, s.AddToCarousel(run(190, 2))) // a reorg at 190
		s.mu.Lock()
		defer s.mu.Unlock()
		first, last := s.carousel[0].run, s.carousel[len(s.carousel)-1].run
		// 144 runs at 56..199; the reorg drops 190..199 and adds 190-191.
		if len(s.carousel) != 135 || first.Height != 56 || last.Height != 190 || last.Count != 2 {
			t.Fatalf("carousel of %d runs from %d to %d+%d", len(s.carousel), first.Height, last.Height, last.Count)
		}
	})
}

func TestParseAssignment(t *testing.T) {
	a, err := ParseAssignment("headers=lora0,lora1  tx=ax0")
	if err != nil || a.String() != "headers=lora0,lora1 tx=ax0" {
		t.Fatalf("%v, %v", a, err)
	}
	for _, bad := range []string{"headers", "blocks=lora0", "tx=", "tx=a tx=b"} {
		if _, err := ParseAssignment(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = context.Background

// TestCarouselPacedOverWindow: with no gap configured and a limited budget,
// the carousel spends its share at a steady rate instead of in a burst at
// the start of the hour: every ten minutes it uses about a sixth of the
// hourly share, so a receiver keeps hearing it all hour long.
func TestCarouselPacedOverWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBench(t, gwDriver{"lora0", 869_525_000, radio.TransmitOnly, 36 * time.Second})
		d := b.gw["lora0"]
		s := b.scheduler(Options{Drivers: []DriverConfig{{Driver: d, Carousel: true,
			Redundancy: link.Redundancy{Loss: 0.2, Target: 0.99}}}})
		for h := range 144 {
			must(t, s.AddToCarousel(run(uint32(h), 1)))
		}
		b.start(s)
		share := 27 * time.Second // 75 % of 36 s
		var last time.Duration
		for i := range 12 {
			time.Sleep(10 * time.Minute)
			st, _ := s.Stats("lora0")
			spent := st.Airtime - last
			last = st.Airtime
			// A sixth of the share, give or take less than two messages
			// (three copies of about a quarter of a second each): one
			// more or less lands in a slice as the pauses fall. Without
			// pacing the first slice would take the whole 27 s and the
			// others nothing.
			if lo, hi := share/6-1250*time.Millisecond, share/6+1250*time.Millisecond; spent < lo || spent > hi {
				t.Fatalf("10-minute slice %d: carousel spent %v, want about %v", i, spent, share/6)
			}
		}
	})
}
