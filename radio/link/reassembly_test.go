package link

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// junk makes hostile fragments: valid checks, random ids and geometry,
// the most a forger can do without knowing a real message.
type junk struct {
	rng *rand.Rand
	net Network
}

func newJunk(seed uint64, n Network) *junk {
	return &junk{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), net: n}
}

// fragment returns one random fragment; k between 2 and kmax.
func (j *junk) fragment(kmax int) []byte {
	var id [IDSize]byte
	for i := range id {
		id[i] = byte(j.rng.Uint32())
	}
	size := 1 + j.rng.IntN(244)
	k := 2 + j.rng.IntN(kmax-1)
	for k*size > MaxMessage {
		size /= 2
	}
	shard := make([]byte, size)
	for i := range shard {
		shard[i] = byte(j.rng.Uint32())
	}
	return AppendFragment(nil, j.net, TypeHeaderRun, id, k, j.rng.IntN(MaxFragments), j.rng.IntN(size), shard)
}

// pair returns two distinct fragments of one junk message with k of at
// least 3, so they never complete: a deliberate attempt to look like
// progress.
func (j *junk) pair() [2][]byte {
	b := j.burst(2, 3)
	return [2][]byte{b[0], b[1]}
}

// burst returns m distinct fragments of one junk message of k > m
// (at least kmin) large fragments: a forger spending airtime to fill
// memory.
func (j *junk) burst(m, kmin int) [][]byte {
	d, _ := DecodeFrame(j.fragment(MaxFragments))
	return j.burstK(m, max(d.K, m+1, kmin))
}

// burstK returns m distinct fragments of one junk message of k fragments.
func (j *junk) burstK(m, k int) [][]byte {
	d, _ := DecodeFrame(j.fragment(MaxFragments))
	size := min(244, MaxMessage/k)
	shard := make([]byte, size)
	out := make([][]byte, m)
	for i := range out {
		shard[0] = byte(i)
		out[i] = AppendFragment(nil, j.net, d.Type, d.ID, k, i, 0, shard)
	}
	return out
}

func checkBounds(t testing.TB, r *Receiver, lim Limits) {
	t.Helper()
	s := r.Stats()
	if s.Partial > lim.MaxPartial || s.Bytes > lim.MaxBytes {
		t.Fatalf("reassembly holds %d entries in %d bytes, limits %d and %d", s.Partial, s.Bytes, lim.MaxPartial, lim.MaxBytes)
	}
	if len(r.done.set) > lim.MaxDone {
		t.Fatalf("%d delivered ids remembered, limit %d", len(r.done.set), lim.MaxDone)
	}
}

func legit(t testing.TB, k int, extra int) ([][]byte, []byte) {
	t.Helper()
	data := randomBytes(byte(k), k*200-7)
	enc := Encoder{Network: Mainnet, MTU: 255, Airtime: sf9.Airtime, Redundancy: Redundancy{Extra: extra}}
	out, err := enc.Encode(Tx{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if out.Plan.K != k {
		t.Fatalf("planned k %d, want %d", out.Plan.K, k)
	}
	frames, err := out.Frames(0)
	if err != nil {
		t.Fatal(err)
	}
	return frames, data
}

// TestFloodKeepsProvenMessage: a message that has two of its three
// fragments survives any number of random fragments, and memory stays in
// bounds.
func TestFloodKeepsProvenMessage(t *testing.T) {
	r := newTestReceiver(t, Mainnet)
	frames, data := legit(t, 3, 0)
	j := newJunk(1, Mainnet)
	now := t0
	for i, f := range frames {
		if i == 2 {
			for range 20000 {
				r.Accept(j.fragment(MaxFragments), now)
				now = now.Add(time.Millisecond)
			}
			checkBounds(t, r, DefaultLimits)
		}
		got, ok, err := r.Accept(f, now)
		if i < 2 && (ok || err != nil) {
			t.Fatalf("fragment %d: %v %v", i, ok, err)
		}
		if i == 2 && (!ok || !bytes.Equal(got.Message.(Tx).Data, data)) {
			t.Fatalf("not delivered after the flood: %v %v; stats %+v", ok, err, r.Stats())
		}
	}
}

// TestFloodSingleFragmentSurvives: a message with one fragment survives
// the arrival of fewer random single fragments than there are slots.
func TestFloodSingleFragmentSurvives(t *testing.T) {
	r := newTestReceiver(t, Mainnet)
	frames, _ := legit(t, 2, 0)
	j := newJunk(2, Mainnet)
	r.Accept(frames[0], t0)
	for range DefaultLimits.MaxPartial / 2 {
		r.Accept(j.fragment(2), t0) // k = 2: as much progress as the real one
	}
	if _, ok, err := r.Accept(frames[1], t0); !ok {
		t.Fatalf("evicted by %d junk fragments: %v", DefaultLimits.MaxPartial/2, err)
	}
}

// TestProvenJunkLosesToProgress: a forger who sends fragment pairs fills at
// most the proven share, and a real message with more progress evicts the
// forgeries.
func TestProvenJunkLosesToProgress(t *testing.T) {
	r := newTestReceiver(t, Mainnet)
	j := newJunk(3, Mainnet)
	for range 1000 {
		p := j.pair()
		r.Accept(p[0], t0)
		r.Accept(p[1], t0)
	}
	checkBounds(t, r, DefaultLimits)
	if r.re.proven > provenCap(DefaultLimits.MaxPartial) {
		t.Fatalf("%d proven entries, cap %d", r.re.proven, provenCap(DefaultLimits.MaxPartial))
	}
	frames, data := legit(t, 3, 0)
	for i, f := range frames {
		got, ok, err := r.Accept(f, t0)
		if i == 2 && (!ok || !bytes.Equal(got.Message.(Tx).Data, data)) {
			t.Fatalf("not delivered: %v %v, stats %+v", ok, err, r.Stats())
		}
	}
}

func TestExpiry(t *testing.T) {
	r := newTestReceiver(t, Mainnet)
	frames, _ := legit(t, 2, 0)
	r.Accept(frames[0], t0)
	r.Accept(AppendWhole(nil, Mainnet, TypeTx, []byte{1}), t0.Add(DefaultLimits.MaxAge+time.Second))
	if s := r.Stats(); s.Expired != 1 || s.Partial != 0 || s.Bytes != 0 {
		t.Fatalf("stats after MaxAge %+v", s)
	}
	if _, ok, _ := r.Accept(frames[1], t0.Add(DefaultLimits.MaxAge+time.Second)); ok {
		t.Fatal("delivered from one fresh fragment after expiry")
	}
}

// TestStaleEntriesGiveWay: messages that lost too many fragments leave
// proven entries behind; once idle for MaxIdle they make room for new
// messages instead of blocking them until MaxAge. (The link simulator found
// the livelock this prevents: delivery fell from 90 % to 46 % over 1,000
// trials of 4-of-6 fragments at 20 % loss.)
func TestStaleEntriesGiveWay(t *testing.T) {
	r := newTestReceiver(t, Mainnet)
	now := t0
	j := newJunk(5, Mainnet)
	for range 2 * DefaultLimits.MaxPartial { // 3 of 4 or more fragments: never complete
		for _, f := range j.burstK(3, 4) { // 75 %: more progress than 2 of 3
			r.Accept(f, now)
		}
		now = now.Add(time.Second)
	}
	checkBounds(t, r, DefaultLimits)
	frames, data := legit(t, 3, 0)
	now = now.Add(DefaultLimits.MaxIdle + time.Second)
	for i, f := range frames {
		got, ok, err := r.Accept(f, now)
		if i == 2 && (!ok || !bytes.Equal(got.Message.(Tx).Data, data)) {
			t.Fatalf("blocked by stale entries: %v %v, stats %+v", ok, err, r.Stats())
		}
	}
}

func TestDoneSetBounded(t *testing.T) {
	lim := DefaultLimits
	lim.MaxDone = 8
	r, err := NewReceiver(Mainnet, lim)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if _, ok, err := r.Accept(AppendWhole(nil, Mainnet, TypeTx, []byte{byte(i)}), t0); !ok {
			t.Fatal(err)
		}
		checkBounds(t, r, lim)
	}
	// The oldest were forgotten, the newest are still suppressed.
	if _, ok, _ := r.Accept(AppendWhole(nil, Mainnet, TypeTx, []byte{0}), t0); !ok {
		t.Fatal("forgotten message not delivered again")
	}
	if _, _, err := r.Accept(AppendWhole(nil, Mainnet, TypeTx, []byte{99}), t0); err != ErrDuplicate {
		t.Fatalf("recent message: %v", err)
	}
}

// TestDuplicatesExpire: a message sent again after DoneFor is delivered
// again (a transaction repeated because its acknowledgement was lost), and
// is suppressed again for DoneFor after that.
func TestDuplicatesExpire(t *testing.T) {
	r, err := NewReceiver(Mainnet, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	frame := AppendWhole(nil, Mainnet, TypeTx, []byte{42})
	steps := []struct {
		at   time.Duration
		want bool
	}{
		{0, true},
		{time.Minute, false},
		{DefaultLimits.DoneFor - time.Nanosecond, false},
		{DefaultLimits.DoneFor, true},
		{DefaultLimits.DoneFor + time.Minute, false},
		{2 * DefaultLimits.DoneFor, true},
	}
	for _, st := range steps {
		if _, ok, err := r.Accept(frame, t0.Add(st.at)); ok != st.want {
			t.Fatalf("at %v: delivered %v (%v), want %v", st.at, ok, err, st.want)
		}
	}
}

func TestLimitsValidated(t *testing.T) {
	for _, lim := range []Limits{
		{MaxPartial: 2, MaxBytes: 1 << 20, MaxAge: time.Minute, MaxDone: 1},
		{MaxPartial: 64, MaxBytes: MaxMessage, MaxAge: time.Minute, MaxDone: 1},
		{MaxPartial: 64, MaxBytes: 1 << 20, MaxDone: 1},
		{MaxPartial: 64, MaxBytes: 1 << 20, MaxAge: time.Minute, MaxIdle: time.Minute, MaxDone: 1},
	} {
		if _, err := NewReceiver(Mainnet, lim); err == nil {
			t.Errorf("limits %+v accepted", lim)
		}
	}
}

// BenchmarkReassemblyFlood feeds hostile fragments (valid checks, random
// ids and geometry; half single fragments, half bursts of 2 to 40 large
// fragments of one never-completing message) to a receiver
// with DefaultLimits. It reports the peak accounted bytes as a fraction of
// MaxBytes (bound/peak <= 1 means the bound held) and the heap the receiver
// holds after the flood against the documented bound: MaxBytes plus the
// delivered-id set.
func BenchmarkReassemblyFlood(b *testing.B) {
	j := newJunk(4, Mainnet)
	var frames [][]byte
	for len(frames) < 1<<14 {
		if j.rng.IntN(2) == 0 {
			frames = append(frames, j.fragment(MaxFragments))
			continue
		}
		frames = append(frames, j.burst(2+j.rng.IntN(39), 0)...)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	r := newTestReceiver(b, Mainnet)
	peak := 0
	now := t0
	b.ResetTimer()
	for i := range b.N {
		r.Accept(frames[i%len(frames)], now)
		now = now.Add(time.Millisecond)
		if r.re.bytes > peak {
			peak = r.re.bytes
		}
	}
	b.StopTimer()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	checkBounds(b, r, DefaultLimits)
	bound := DefaultLimits.MaxBytes + DefaultLimits.MaxDone*doneEntryBytes
	b.ReportMetric(float64(peak)/float64(DefaultLimits.MaxBytes), "peak/MaxBytes")
	held := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(bound)
	b.ReportMetric(held, "heap/bound")
	if held > 1 {
		b.Errorf("the receiver holds %.2f times its documented memory bound after the flood", held)
	}
	runtime.KeepAlive(r)
	runtime.KeepAlive(frames)
}

// BenchmarkAcceptMessage is the baseline for the flood: rebuilding a
// 300-byte transaction from two of its parity fragments, per fragment.
func BenchmarkAcceptMessage(b *testing.B) {
	enc := Encoder{Network: Mainnet, MTU: 255, Airtime: sf9.Airtime, Redundancy: Redundancy{Extra: 3}}
	out, _ := enc.Encode(Tx{Data: randomBytes(9, 300)})
	frames, _ := out.Frames(0)
	lim := DefaultLimits
	lim.MaxDone = 1
	r, _ := NewReceiver(Mainnet, lim)
	b.ResetTimer()
	for i := range b.N {
		if _, ok, err := r.Accept(frames[2+i%2], t0); i%2 == 1 && !ok {
			b.Fatal(err)
		}
		if i%2 == 1 {
			r.done = newDoneSet(1, lim.DoneFor) // forget it, to rebuild it again
		}
	}
}
