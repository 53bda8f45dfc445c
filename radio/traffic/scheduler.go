package traffic

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
)

// Class is a priority class; lower classes go first.
type Class uint8

// Priority classes.
const (
	// Urgent carries transactions and their acknowledgements.
	Urgent Class = iota
	// Tips carries tip announcements; a newer tip replaces one not yet
	// started.
	Tips
	// Answers carries answers to header requests (and the requests).
	Answers
	// Carousel is the repetition of recent headers on idle drivers.
	Carousel
)

var classNames = [...]string{Urgent: "urgent", Tips: "tips", Answers: "answers", Carousel: "carousel"}

// String returns the class's name.
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// ClassOf returns the class Send uses for a message type.
func ClassOf(t link.Type) Class {
	switch t {
	case link.TypeTx, link.TypeTxAck:
		return Urgent
	case link.TypeTip:
		return Tips
	}
	return Answers
}

// DriverConfig is one driver and how the scheduler uses it.
type DriverConfig struct {
	Driver radio.Driver
	// Redundancy is the forward error correction of every message sent on
	// this driver.
	Redundancy link.Redundancy
	// Carousel makes the driver repeat the carousel when it has nothing
	// else to send.
	Carousel bool
	// Reserve is the fraction of a limited airtime budget the carousel
	// leaves unused for the other classes (default 0.25).
	Reserve float64
	// CarouselGap is the pause between two carousel messages. Zero paces
	// the carousel evenly over a limited budget's window (each message is
	// followed by a pause in proportion to its airtime, so the carousel
	// spends its share of the budget at a steady rate); with an unlimited
	// budget zero means no pause.
	CarouselGap time.Duration
	// CarouselDepth is how many of the most recent headers this driver
	// repeats (default Options.CarouselDepth, at most that): a deep
	// history on a fast or unrationed radio, a day on a rationed one.
	CarouselDepth int
	// QueueLen bounds each class's queue (default 32).
	QueueLen int
}

// Options configure a Scheduler.
type Options struct {
	Network    link.Network
	Drivers    []DriverConfig
	Assignment Assignment
	// CarouselDepth is how many of the most recent headers the carousel
	// holds (default 144, a day of blocks; raised to the deepest carousel
	// driver's CarouselDepth).
	CarouselDepth int
	Clock         clock.Clock
	Logger        *slog.Logger
}

// Errors of Send.
var (
	ErrQueueFull = errors.New("traffic: queue full")
	ErrNoDriver  = errors.New("traffic: no driver for this message")
)

// Scheduler sends messages on its drivers. Its methods are safe for
// concurrent use; Run drives the transmissions.
type Scheduler struct {
	o       Options
	clk     clock.Clock
	log     *slog.Logger
	workers []*worker
	byName  map[string]*worker
	senders []string

	mu       sync.Mutex
	carousel []carouselEntry // by height, oldest first
	added    uint64          // runs ever added to the carousel
}

// carouselEntry is a carousel run and its place in the order of addition.
type carouselEntry struct {
	run link.HeaderRun
	seq uint64 // from 1
}

// New checks the configuration and returns a scheduler; call Run.
func New(o Options) (*Scheduler, error) {
	if o.CarouselDepth <= 0 {
		o.CarouselDepth = 144
	}
	for _, dc := range o.Drivers {
		if dc.Carousel {
			o.CarouselDepth = max(o.CarouselDepth, dc.CarouselDepth)
		}
	}
	s := &Scheduler{o: o, clk: clock.OrReal(o.Clock), log: o.Logger, byName: map[string]*worker{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, dc := range o.Drivers {
		if err := s.addDriver(dc); err != nil {
			return nil, err
		}
	}
	if err := o.Assignment.check(s.senders); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Scheduler) addDriver(dc DriverConfig) error {
	d := dc.Driver
	name := d.Name()
	if _, dup := s.byName[name]; dup {
		return fmt.Errorf("traffic: driver %q configured twice", name)
	}
	if err := dc.Redundancy.Validate(); err != nil {
		return fmt.Errorf("traffic: driver %s: %w", name, err)
	}
	if dc.Reserve == 0 {
		dc.Reserve = 0.25
	}
	if dc.QueueLen <= 0 {
		dc.QueueLen = 32
	}
	if dc.CarouselDepth <= 0 {
		dc.CarouselDepth = s.o.CarouselDepth
	}
	caps := d.Capabilities()
	w := &worker{s: s, cfg: dc, name: name, wake: make(chan struct{}, 1), passes: map[[link.IDSize]byte]int{},
		enc: link.Encoder{Network: s.o.Network, MTU: caps.MTU, Airtime: d.Airtime, Redundancy: dc.Redundancy}}
	s.workers = append(s.workers, w)
	s.byName[name] = w
	if caps.Direction.CanSend() {
		s.senders = append(s.senders, name)
	}
	return nil
}

// Run transmits until ctx is done, one worker per sending driver.
func (s *Scheduler) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, w := range s.workers {
		if slices.Contains(s.senders, w.name) {
			wg.Go(func() { w.run(ctx) })
		}
	}
	wg.Wait()
	return ctx.Err()
}

// Send queues m on every driver the assignment gives its type, in the
// type's class. It fails only if no driver takes it; per-driver failures
// (a full queue) are logged and counted.
func (s *Scheduler) Send(m link.Message) error {
	names := s.o.Assignment.drivers(m.Type(), s.senders)
	if len(names) == 0 {
		return fmt.Errorf("%w: %v", ErrNoDriver, m.Type())
	}
	queued := 0
	var last error
	for _, n := range names {
		if err := s.byName[n].enqueue(m, ClassOf(m.Type())); err != nil {
			s.log.Warn("traffic: not queued", "driver", n, "type", m.Type(), "err", err)
			last = err
			continue
		}
		queued++
	}
	if queued == 0 {
		return last
	}
	return nil
}

// SendTo queues m on the named driver only, whatever the assignment (an
// operator pushing a transaction out on one radio).
func (s *Scheduler) SendTo(driver string, m link.Message) error {
	return s.sendClass(driver, m, ClassOf(m.Type()))
}

// Answer queues an answer to a header request on the driver it came from.
func (s *Scheduler) Answer(driver string, m link.Message) error {
	return s.sendClass(driver, m, Answers)
}

func (s *Scheduler) sendClass(driver string, m link.Message, c Class) error {
	if !slices.Contains(s.senders, driver) {
		return fmt.Errorf("%w: %q is not a sending driver", ErrNoDriver, driver)
	}
	return s.byName[driver].enqueue(m, c)
}

// AddToCarousel adds a run of headers to the carousel. A run starting at
// or below the end of the runs held replaces them from that height (a
// reorg); the oldest runs leave once the rest still hold CarouselDepth
// headers.
//
// A run that a carousel driver cannot send (too long for the link at its
// MTU) is refused with an error: it would never go out, and the rest of
// the carousel would wait behind it.
func (s *Scheduler) AddToCarousel(run link.HeaderRun) error {
	if _, err := run.AppendBody(nil); err != nil {
		return err
	}
	for _, w := range s.workers {
		if !w.cfg.Carousel {
			continue
		}
		if _, err := w.enc.Encode(run); err != nil {
			return fmt.Errorf("traffic: carousel run at height %d on %s: %w", run.Height, w.name, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.carousel = slices.DeleteFunc(s.carousel, func(e carouselEntry) bool {
		return uint64(e.run.Height)+uint64(e.run.Count) > uint64(run.Height)
	})
	s.added++
	s.carousel = append(s.carousel, carouselEntry{run: run, seq: s.added})
	total := 0
	for _, e := range s.carousel {
		total += int(e.run.Count)
	}
	for len(s.carousel) > 1 && total-int(s.carousel[0].run.Count) >= s.o.CarouselDepth {
		total -= int(s.carousel[0].run.Count)
		s.carousel = s.carousel[1:]
	}
	for _, w := range s.workers {
		w.poke()
	}
	return nil
}

// carouselItem returns the carousel entry a worker whose carousel holds
// depth headers sends next: the oldest one added after those it has
// started (seen is the highest seq it started), so that new headers go out
// at once and the pass then goes on where it was; otherwise entry i, the
// pass's next (wrapping to the oldest entry within depth). It also returns
// the pass's next entry after this one, and n, the carousel's length
// (zero: empty).
func (s *Scheduler) carouselItem(i int, seen uint64, depth int) (e carouselEntry, next, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n = len(s.carousel)
	if n == 0 {
		return carouselEntry{}, 0, 0
	}
	lo := n - 1 // the oldest entry within depth: the newest ones hold depth headers
	for total := int(s.carousel[lo].run.Count); lo > 0 && total < depth; total += int(s.carousel[lo].run.Count) {
		lo--
	}
	for _, e := range s.carousel[lo:] {
		if e.seq > seen {
			return e, i, n
		}
	}
	if i < lo || i >= n {
		i = lo
	}
	next = i + 1
	if next == n {
		next = lo
	}
	return s.carousel[i], next, n
}

// Stats returns the counters of the named driver.
func (s *Scheduler) Stats(driver string) (DriverStats, bool) {
	w, ok := s.byName[driver]
	if !ok {
		return DriverStats{}, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats, true
}
