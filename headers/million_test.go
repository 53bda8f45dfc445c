package headers

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"
	"github.com/jonboulle/clockwork"
)

// The one-million-header store of the size figures: synthetic regtest
// headers (regtest proof of work costs two hashes a header), built once
// per test binary in a temporary directory.
const millionHeaders = 1_000_000

var million struct {
	once sync.Once
	dir  string
	temp bool
	err  error
}

// millionEnv names a directory where the million-header store is kept
// between runs instead of being built in a temporary directory each time.
const millionEnv = "ALTNET_HEADERS_1M_DIR"

// millionStore returns the directory of the 1,000,000-header store.
func millionStore(tb testing.TB) string {
	tb.Helper()
	million.once.Do(func() {
		if d := os.Getenv(millionEnv); d != "" {
			// A kept store: built on first use, reused afterwards.
			million.dir = d
			if _, err := os.Stat(filepath.Join(d, dataFile)); err == nil {
				return
			}
			million.err = buildMillion(d)
			return
		}
		dir, err := os.MkdirTemp("", "altnet-headers-1m-")
		if err != nil {
			million.err = err
			return
		}
		million.dir, million.temp = filepath.Join(dir, "store"), true
		million.err = buildMillion(million.dir)
	})
	if million.err != nil {
		tb.Fatal(million.err)
	}
	return million.dir
}

func buildMillion(dir string) error {
	p := RegTest()
	c, err := Open(dir, Options{Params: p, Clock: millionClock()})
	if err != nil {
		return err
	}
	defer c.Close()
	prev, t := p.GenesisHash, p.Genesis.Timestamp
	for done := 0; done < millionHeaders; {
		n := min(wire.MaxBlockHeadersPerMsg, millionHeaders-done)
		hs := mine(prev, t, n, uint32(done))
		if _, err := c.Add(hs); err != nil {
			return err
		}
		prev, t = hashOf(hs[n-1]), hs[n-1].Timestamp
		done += n
	}
	return nil
}

// millionClock is after the last of the million headers (600 s apart from
// regtest's 2011 genesis).
func millionClock() clockwork.Clock { return clockwork.NewFakeClockAt(time.Unix(2_000_000_000, 0)) }

// storeBytes is the size of everything in a store directory.
func storeBytes(dir string) (apparent, allocated int64, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			return 0, 0, err
		}
		apparent += info.Size()
		allocated += allocatedBytes(info)
	}
	return apparent, allocated, nil
}

// rssEnv makes the test binary a child that opens the store named by it
// and prints its memory high-water mark.
const rssEnv = "ALTNET_HEADERS_RSS_STORE"

// TestOpenRSSChild is the child side of openInChild.
func TestOpenRSSChild(t *testing.T) {
	dir := os.Getenv(rssEnv)
	if dir == "" {
		t.Skip("only runs as the child of TestMillionHeaderStore and BenchmarkHeaders")
	}
	start := time.Now()
	c, err := Open(dir, Options{Params: RegTest(), Clock: millionClock()})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	tip := c.Tip()
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	hwm, rss := procField(string(st), "VmHWM:"), procField(string(st), "VmRSS:")
	fmt.Printf("RSSCHILD tip=%d open_ns=%d vmhwm_kb=%d vmrss_kb=%d\n", tip.Height, took.Nanoseconds(), hwm, rss)
	c.Close()
}

func procField(status, name string) int64 {
	sc := bufio.NewScanner(strings.NewReader(status))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == name {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return -1
}

// openInChild opens the store in a fresh copy of the test binary (so that
// building the store does not count) and returns its tip, open time and
// peak resident memory in bytes.
func openInChild(tb testing.TB, dir string) (tip int32, open time.Duration, hwm int64) {
	tb.Helper()
	args := append(strings.Fields(os.Getenv("ALTNET_EXEC_WRAPPER")), os.Args[0], "-test.run=^TestOpenRSSChild$", "-test.count=1")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), rssEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("child: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(line, "RSSCHILD ") {
			continue
		}
		var ns, rss int64
		if _, err := fmt.Sscanf(line, "RSSCHILD tip=%d open_ns=%d vmhwm_kb=%d vmrss_kb=%d", &tip, &ns, &hwm, &rss); err != nil {
			tb.Fatalf("child line %q: %v", line, err)
		}
		return tip, time.Duration(ns), hwm * 1024
	}
	tb.Fatalf("child printed no figures:\n%s", out)
	return 0, 0, 0
}

// TestMillionHeaderStore builds a store of 1,000,000 regtest headers and
// checks the size budget (at most 48 bytes a header on flash, everything
// included) and that a process holding it open stays under 64 MB of
// resident memory. The open time is a benchmark figure (BenchmarkHeaders),
// not asserted here. Skipped with -short, -race and under emulation.
func TestMillionHeaderStore(t *testing.T) {
	if testing.Short() || raceEnabled || os.Getenv("ALTNET_EXEC_WRAPPER") != "" {
		t.Skip("builds a million headers; skipped with -short, -race and under emulation")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc/self/status to read the resident memory from")
	}
	dir := millionStore(t)
	apparent, allocated, err := storeBytes(dir)
	if err != nil {
		t.Fatal(err)
	}
	perHeader := float64(apparent) / millionHeaders
	if perHeader > 48 {
		t.Errorf("%.3f bytes per header on flash, budget 48", perHeader)
	}
	tip, open, hwm := openInChild(t, dir)
	if tip != millionHeaders {
		t.Fatalf("child opened at %d", tip)
	}
	if hwm >= 64<<20 {
		t.Errorf("peak resident memory %.1f MB with the store open, budget 64 MB", float64(hwm)/(1<<20))
	}
	t.Logf("1,000,000 headers: %.3f bytes/header (%.3f allocated), opened in %v, peak RSS %.1f MB",
		perHeader, float64(allocated)/millionHeaders, open.Round(time.Millisecond), float64(hwm)/(1<<20))
}

// TestMain removes the million-header store after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if million.temp {
		os.RemoveAll(filepath.Dir(million.dir))
	}
	os.Exit(code)
}
