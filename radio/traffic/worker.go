package traffic

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
)

// DriverStats count what the scheduler did on one driver.
type DriverStats struct {
	Frames  int           `json:"frames"`  // frames sent
	Airtime time.Duration `json:"airtime"` // their airtime
	// Messages counts messages fully sent, by class.
	Messages [Carousel + 1]int `json:"messages"`
	// BudgetWaits counts sends refused by the budget and retried later.
	BudgetWaits int `json:"budget_waits"`
	// Dropped counts messages given up: larger than the driver can ever
	// send (dwell time, MTU).
	Dropped int `json:"dropped"`
	// Errors counts failed sends retried after a pause (driver down).
	Errors int `json:"errors"`
}

// Retry pauses after a failed send (a driver restarting).
const (
	minRetry = 100 * time.Millisecond
	maxRetry = 10 * time.Second
)

// job is one message being sent on one driver.
type job struct {
	class  Class
	out    *link.Outgoing
	frames [][]byte
	next   int
}

type worker struct {
	s    *Scheduler
	cfg  DriverConfig
	name string
	enc  link.Encoder
	wake chan struct{}

	mu     sync.Mutex
	queues [Carousel][]*job
	stats  DriverStats
	// Carousel state: the job in progress, the next entry, the newest
	// entry started (by order of addition), the passes made of each entry
	// (for fragment rotation) and when the last carousel message ended.
	carJob     *job
	carNext    int
	carSeen    uint64
	passes     map[[link.IDSize]byte]int
	carLastEnd time.Time
	// carAirtime sums the airtime of the carousel message in progress, and
	// carLastAirtime that of the last one finished (for pacing).
	carAirtime, carLastAirtime time.Duration
}

func (w *worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// enqueue encodes m for this driver and queues it in class c.
func (w *worker) enqueue(m link.Message, c Class) error {
	out, err := w.enc.Encode(m)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.queues[c]
	for _, j := range q {
		if j.out.ID == out.ID {
			return nil // already queued
		}
	}
	if c == Tips { // a newer tip replaces tips not yet started
		q = slices.DeleteFunc(q, func(j *job) bool { return j.next == 0 })
	}
	if len(q) >= w.cfg.QueueLen {
		w.queues[c] = q
		return ErrQueueFull
	}
	w.queues[c] = append(q, &job{class: c, out: out})
	w.poke()
	return nil
}

// pick returns the next job to send a frame of, or nil and how long to
// wait (zero: until poked).
func (w *worker) pick() (*job, time.Duration, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for c := range w.queues {
		if len(w.queues[c]) > 0 {
			j := w.queues[c][0]
			return j, 0, w.prepare(j, 0)
		}
	}
	if !w.cfg.Carousel {
		return nil, 0, nil
	}
	return w.pickCarousel()
}

// prepare computes the frames of a job about to start.
func (w *worker) prepare(j *job, pass int) error {
	if j.frames != nil {
		return nil
	}
	f, err := j.out.Frames(pass)
	j.frames = f
	return err
}

// pickCarousel returns the carousel job, if the gap and the reserve allow
// one now.
func (w *worker) pickCarousel() (*job, time.Duration, error) {
	if w.carJob == nil {
		e, next, n := w.s.carouselItem(w.carNext, w.carSeen, w.cfg.CarouselDepth)
		if n == 0 {
			return nil, 0, nil
		}
		if wait := w.carLastEnd.Add(w.carouselGap()).Sub(w.s.clk.Now()); wait > 0 {
			return nil, wait, nil
		}
		w.carNext, w.carSeen = next, max(w.carSeen, e.seq)
		out, err := w.enc.Encode(e.run)
		if err != nil {
			return nil, 0, err
		}
		w.carJob = &job{class: Carousel, out: out}
		if err := w.prepare(w.carJob, w.passes[out.ID]); err != nil {
			w.carJob = nil
			return nil, 0, err
		}
		w.passes[out.ID]++
		w.prunePasses()
	}
	if wait := w.reserveWait(len(w.carJob.frames[w.carJob.next])); wait > 0 {
		return nil, wait, nil
	}
	return w.carJob, 0, nil
}

// carouselGap returns the pause after the last carousel message: the
// configured gap, or, when there is none and the budget is limited, the
// pause that spreads the carousel evenly over the budget's window: a
// message of airtime a is followed by a*(Window/share - 1), where share is
// the carousel's part of the allowance. Without pacing the carousel would
// spend its share in the first minutes of the window and then fall
// silent, so a receiver would hear nothing new (a reorganisation's new
// branch) until the window rolled on. Called with w.mu held.
func (w *worker) carouselGap() time.Duration {
	if w.cfg.CarouselGap > 0 {
		return w.cfg.CarouselGap
	}
	b := w.cfg.Driver.Budget()
	share := time.Duration(float64(b.Allowed) * (1 - w.cfg.Reserve))
	if !b.Limited || share <= 0 || b.Window <= 0 {
		return 0
	}
	return time.Duration(float64(w.carLastAirtime) * (float64(b.Window)/float64(share) - 1))
}

// reserveWait returns how long to wait before the carousel may spend the
// airtime of an n-byte frame, leaving the reserve for the other classes.
func (w *worker) reserveWait(n int) time.Duration {
	b := w.cfg.Driver.Budget()
	if !b.Limited {
		return 0
	}
	limit := time.Duration(float64(b.Allowed) * (1 - w.cfg.Reserve))
	if b.Used+w.cfg.Driver.Airtime(n) <= limit {
		return 0
	}
	return max(b.Window/120, time.Second)
}

// prunePasses forgets pass counts of entries that left the carousel.
func (w *worker) prunePasses() {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if len(w.passes) <= 2*len(w.s.carousel)+8 {
		return
	}
	keep := map[[link.IDSize]byte]int{}
	for _, e := range w.s.carousel {
		if out, err := w.enc.Encode(e.run); err == nil {
			keep[out.ID] = w.passes[out.ID]
		}
	}
	w.passes = keep
}

// done records a frame sent and retires a finished job.
func (w *worker) done(j *job, airtime time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stats.Frames++
	w.stats.Airtime += airtime
	if j == w.carJob {
		w.carAirtime += airtime
	}
	j.next++
	if j.next < len(j.frames) {
		return
	}
	w.stats.Messages[j.class]++
	w.retire(j)
}

func (w *worker) retire(j *job) {
	if j.class == Carousel {
		w.carJob = nil
		w.carLastEnd = w.s.clk.Now()
		w.carLastAirtime, w.carAirtime = w.carAirtime, 0
		return
	}
	w.queues[j.class] = slices.DeleteFunc(w.queues[j.class], func(x *job) bool { return x == j })
}

// drop gives up a job.
func (w *worker) drop(j *job, err error) {
	w.s.log.Warn("traffic: message dropped", "driver", w.name, "type", j.out.Type, "err", err)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stats.Dropped++
	w.retire(j)
}

// run sends frames until ctx is done or the driver is closed.
func (w *worker) run(ctx context.Context) {
	retry := minRetry
	for ctx.Err() == nil {
		j, wait, err := w.pick()
		if err != nil {
			w.s.log.Error("traffic: encode", "driver", w.name, "err", err)
			if !w.dropFailed(j) {
				// Nothing was dropped (a carousel entry): pause rather
				// than spin on it.
				w.sleep(ctx, retry)
				retry = min(2*retry, maxRetry)
			}
			continue
		}
		if j == nil {
			w.sleep(ctx, wait)
			continue
		}
		frame := j.frames[j.next]
		err = w.cfg.Driver.Send(ctx, frame)
		var be *radio.BudgetError
		switch {
		case err == nil:
			w.done(j, w.cfg.Driver.Airtime(len(frame)))
			retry = minRetry
		case ctx.Err() != nil || errors.Is(err, radio.ErrClosed):
			return
		case errors.As(err, &be) && be.Wait > 0:
			w.count(func(s *DriverStats) { s.BudgetWaits++ })
			w.sleep(ctx, be.Wait)
		case errors.As(err, &be), errors.Is(err, radio.ErrTooLarge), errors.Is(err, radio.ErrReceiveOnly):
			w.drop(j, err)
		default:
			w.s.log.Warn("traffic: send failed, retrying", "driver", w.name, "err", err, "in", retry)
			w.count(func(s *DriverStats) { s.Errors++ })
			w.sleep(ctx, retry)
			retry = min(2*retry, maxRetry)
		}
	}
}

// dropFailed retires a queued job whose frames could not be computed and
// reports true; a carousel entry stays in the carousel (false).
func (w *worker) dropFailed(j *job) bool {
	if j != nil && j.class != Carousel {
		w.drop(j, errors.New("encode failed"))
		return true
	}
	w.mu.Lock()
	w.carJob = nil
	w.mu.Unlock()
	return false
}

func (w *worker) count(f func(*DriverStats)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.stats)
}

// sleep waits d (forever if zero) or until poked or ctx is done.
func (w *worker) sleep(ctx context.Context, d time.Duration) {
	var timeout <-chan time.Time
	if d > 0 {
		t := w.s.clk.NewTimer(d)
		defer t.Stop()
		timeout = t.Chan()
	}
	select {
	case <-timeout:
	case <-w.wake:
	case <-ctx.Done():
	}
}
