package main

// The Direwolf interoperability test runs only when ALTNET_DIREWOLF=1 (it
// needs the Debian package direwolf 1.6, not installed in CI):
//
//	apt-get install -y direwolf
//	ALTNET_DIREWOLF=1 go test -run Direwolf -v ./cmd/altnet
//
// It needs no sound card. Direwolf A reads silence from stdin and writes its
// transmit audio through an ALSA "file" plugin into a raw file; `altnet kiss
// send` hands it a frame over KISS TCP; atest (Direwolf's decoder) decodes
// the audio and must show our exact bytes with a good FCS. Direwolf B then
// hears that audio plus a frame made by gen_packets on stdin, and `altnet
// kiss monitor` connected to B must print both lines exactly as Direwolf B
// prints them.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const dwRate = 44100 // audio samples per second, 16-bit mono

// silence is 10 ms of audio.
var silence = make([]byte, dwRate/100*2)

type direwolf struct {
	cmd   *exec.Cmd
	out   *syncBuffer
	stdin io.WriteCloser
	addr  string
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startDirewolf runs direwolf with a config for stdin audio in, output
// to the ALSA device out, and a KISS TCP port.
func startDirewolf(t *testing.T, dir, name, out string) *direwolf {
	t.Helper()
	port := freePort(t)
	conf := filepath.Join(dir, name+".conf")
	text := fmt.Sprintf("ADEVICE stdin %s\nARATE %d\nACHANNELS 1\nCHANNEL 0\nMYCALL N0CALL-15\nMODEM 1200\nKISSPORT %d\nAGWPORT 0\n", out, dwRate, port)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &direwolf{out: &syncBuffer{}, addr: fmt.Sprintf("127.0.0.1:%d", port)}
	d.cmd = exec.Command("direwolf", "-t", "0", "-c", conf)
	d.cmd.Env = append(os.Environ(), "HOME="+dir) // for .asoundrc
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	var err error
	if d.stdin, err = d.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		d.cmd.Wait()
		t.Logf("direwolf %s said:\n%s", name, d.out)
	})
	d.waitFor(t, "Ready to accept KISS TCP client")
	return d
}

// waitFor waits until direwolf has printed s.
func (d *direwolf) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(d.out.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("direwolf never printed %q", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// feed writes audio to direwolf's stdin: first the chunks from queue as
// they come, and real-time silence in between so that its receiver (and
// its carrier detect) always hears something.
func (d *direwolf) feed(ctx context.Context, queue <-chan []byte) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			d.stdin.Close()
			return
		case b := <-queue:
			d.stdin.Write(b)
		case <-tick.C:
			d.stdin.Write(silence)
		}
	}
}

func writeWAV(t *testing.T, path string, pcm []byte) {
	t.Helper()
	var h []byte
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(36+len(pcm)))
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1) // PCM
	h = binary.LittleEndian.AppendUint16(h, 1) // mono
	h = binary.LittleEndian.AppendUint32(h, dwRate)
	h = binary.LittleEndian.AppendUint32(h, dwRate*2)
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(pcm)))
	if err := os.WriteFile(path, append(h, pcm...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wavData returns the samples of a WAV file's data chunk.
func wavData(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for off := 12; off+8 <= len(b); {
		id, n := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		if id == "data" {
			return b[off+8 : min(off+8+n, len(b))]
		}
		off += 8 + n
	}
	t.Fatalf("%s has no data chunk", path)
	return nil
}

// waitStable waits until the file at path is non-empty and stops growing.
func waitStable(t *testing.T, path string) []byte {
	t.Helper()
	last, since := -1, time.Now()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b, _ := os.ReadFile(path)
		if len(b) != last {
			last, since = len(b), time.Now()
			continue
		}
		if last > 0 && time.Since(since) > time.Second {
			return b
		}
	}
	t.Fatalf("%s never settled (%d bytes)", path, last)
	return nil
}

// atestHex decodes a WAV file with Direwolf's atest -h and returns the
// frames' bytes from its hex dumps.
func atestHex(t *testing.T, wav string) (frames [][]byte, out string) {
	t.Helper()
	b, err := exec.Command("atest", "-B", "1200", "-h", wav).CombinedOutput()
	if err != nil {
		t.Fatalf("atest: %v\n%s", err, b)
	}
	dump := regexp.MustCompile(`^\s+[0-9a-f]{3}:\s+((?:[0-9a-f]{2} )*[0-9a-f]{2})`)
	var cur []byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if m := dump.FindStringSubmatch(line); m != nil {
			x, _ := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
			cur = append(cur, x...)
			continue
		}
		if cur != nil && strings.HasPrefix(line, "------") {
			frames, cur = append(frames, cur), nil
		}
	}
	return frames, string(b)
}

func TestDirewolfInterop(t *testing.T) {
	if os.Getenv("ALTNET_DIREWOLF") != "1" {
		t.Skip("set ALTNET_DIREWOLF=1 to run against a local Direwolf 1.6 (apt-get install direwolf)")
	}
	for _, tool := range []string{"direwolf", "atest", "gen_packets"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("ALTNET_DIREWOLF=1 but %s is missing: apt-get install -y direwolf", tool)
		}
	}
	dir := t.TempDir()
	txRaw := filepath.Join(dir, "tx.raw")
	asound := fmt.Sprintf("pcm.dwout {\n type file\n slave.pcm \"null\"\n file %q\n format \"raw\"\n}\n", txRaw)
	if err := os.WriteFile(filepath.Join(dir, ".asoundrc"), []byte(asound), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	// 1. altnet kiss send -> Direwolf A -> audio -> atest.
	a := startDirewolf(t, dir, "a", "dwout")
	go a.feed(ctx, nil)
	// The information field exercises KISS escapes (C0, DB) and safe
	// printing (01, FF) through Direwolf.
	var stdout, stderr syncBuffer
	if code := run(ctx, []string{"kiss", "send", "--tcp", a.addr, "--src", "N0CALL-7", "--dst", "ALTNET",
		"--via", "WIDE1-1", "--hex", hex.EncodeToString([]byte("hello \x01\xc0\xdb\xff end"))}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("kiss send: exit %d: %s", code, stderr.String())
	}
	sent := strings.TrimSuffix(stdout.String(), "\n")
	a.waitFor(t, "[0L] "+sent)
	audio := waitStable(t, txRaw)
	txWAV := filepath.Join(dir, "tx.wav")
	writeWAV(t, txWAV, audio)
	frames, atestOut := atestHex(t, txWAV)
	want := []byte{
		0x82, 0x98, 0xA8, 0x9C, 0x8A, 0xA8, 0xE0, // ALTNET, command bit
		0x9C, 0x60, 0x86, 0x82, 0x98, 0x98, 0x6E, // N0CALL-7
		0xAE, 0x92, 0x88, 0x8A, 0x62, 0x40, 0x63, // WIDE1-1, last
		0x03, 0xF0, // UI, PID
	}
	want = append(want, "hello \x01\xc0\xdb\xff end"...)
	if len(frames) != 1 || !bytes.Equal(frames[0], want) {
		t.Fatalf("atest decoded %d frames from Direwolf's audio:\n%s\nwant one of\n% x", len(frames), atestOut, want)
	}
	t.Logf("Direwolf transmitted %.2f s of audio; atest decoded our frame with a good FCS", float64(len(audio))/2/dwRate)

	// 2. gen_packets + Direwolf A's audio -> Direwolf B -> altnet kiss monitor.
	msg := filepath.Join(dir, "msg.txt")
	if err := os.WriteFile(msg, []byte("K1ABC-9>APRS,WIDE1-1*,WIDE2-1:hi<0x01> there<0xff>"), 0o644); err != nil {
		t.Fatal(err)
	}
	genWAV := filepath.Join(dir, "gen.wav")
	if b, err := exec.Command("gen_packets", "-o", genWAV, msg).CombinedOutput(); err != nil {
		t.Fatalf("gen_packets: %v\n%s", err, b)
	}
	b := startDirewolf(t, dir, "b", "null")
	queue := make(chan []byte, 2)
	go b.feed(ctx, queue)
	var monOut, monErr syncBuffer
	monCtx, stopMon := context.WithCancel(ctx)
	monDone := make(chan int)
	go func() { monDone <- run(monCtx, []string{"kiss", "monitor", "--tcp", b.addr}, nil, &monOut, &monErr) }()
	b.waitFor(t, "Attached to KISS TCP client")
	queue <- wavData(t, genWAV)
	queue <- audio
	wantLines := []string{"K1ABC-9>APRS,WIDE1-1*,WIDE2-1:hi<0x01> there<0xff>", sent}
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(monOut.String(), "\n") < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	stopMon()
	if code := <-monDone; code != 0 {
		t.Fatalf("kiss monitor: exit %d: %s", code, monErr.String())
	}
	got := strings.Split(strings.TrimSuffix(monOut.String(), "\n"), "\n")
	if len(got) != 2 || got[0] != wantLines[0] || got[1] != wantLines[1] {
		t.Fatalf("monitor printed\n%q\nwant\n%q", got, wantLines)
	}
	for _, l := range wantLines {
		if !strings.Contains(b.out.String(), "] "+l+"\n") {
			t.Fatalf("Direwolf B did not print %q the same way", l)
		}
	}
	t.Logf("monitor and Direwolf B agree:\n%s", monOut.String())
}
