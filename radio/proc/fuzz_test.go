package proc

import (
	"bytes"
	"log/slog"
	"os/exec"
	"testing"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/radio"
)

// goodStream returns what a well-behaved child writes: hello, budget, a
// frame, a send result, a state change and a pong.
func goodStream() []byte {
	h := hello{name: "drv", caps: radio.Capabilities{Direction: radio.TwoWay, MTU: 4, BitRate: 1}, airtime: make([]time.Duration, 5)}
	var b []byte
	b = appendMsg(b, msgHello, appendHello(nil, h))
	b = appendMsg(b, msgBudget, appendBudget(nil, radio.Budget{Limited: true, Window: time.Hour, Allowed: time.Second}))
	b = appendMsg(b, msgFrame, appendFrame(nil, radio.Frame{Payload: []byte{1, 2}, HasSignal: true, RSSI: -90, SNR: 7.25}))
	b = appendMsg(b, msgSent, appendSent(nil, sent{seq: 1, code: sentBudget, wait: time.Second, text: "duty"}))
	b = appendMsg(b, msgState, appendState(nil, radio.Failed, nil))
	return appendMsg(b, msgPong, []byte{1, 2, 3, 4})
}

// FuzzCoreReadLoop feeds arbitrary child output to the core's whole
// decoding path: it never panics, never queues more frames than the queue
// holds, never a frame above the MTU, and kills the child on a violation.
func FuzzCoreReadLoop(f *testing.F) {
	f.Add(goodStream())
	f.Add([]byte{0xff, 0xff, 2})
	f.Fuzz(func(t *testing.T, in []byte) {
		s := &Supervisor{o: Options{Name: "drv", RxQueue: 4}, notify: radio.NewNotifier("drv"),
			rx: make(chan radio.Frame, 4), closed: make(chan struct{}), ready: make(chan struct{})}
		s.o.defaults()
		s.clk, s.log = clockOrReal(), discard()
		p := &process{cmd: &exec.Cmd{}, dead: make(chan struct{}), results: make(chan sent, 2)}
		s.readLoop(p, bytes.NewReader(in))
		if len(s.rx) > 4 {
			t.Fatalf("%d frames queued", len(s.rx))
		}
		for len(s.rx) > 0 {
			if fr := <-s.rx; len(fr.Payload) > s.caps.MTU {
				t.Fatalf("frame of %d bytes above MTU %d", len(fr.Payload), s.caps.MTU)
			}
		}
	})
}

// FuzzPipeMessages: every message type's decoder fails cleanly or decodes
// to something that re-encodes to the same bytes.
func FuzzPipeMessages(f *testing.F) {
	r := newReader(bytes.NewReader(goodStream()))
	for {
		t, p, err := r.next()
		if err != nil {
			break
		}
		f.Add(byte(t), bytes.Clone(p))
	}
	f.Fuzz(func(t *testing.T, typ byte, b []byte) {
		var again []byte
		switch msgType(typ) {
		case msgHello:
			h, err := decodeHello(b)
			if err != nil {
				return
			}
			again = appendHello(nil, h)
		case msgFrame:
			fr, err := decodeFrame(b, "drv", MaxMTU)
			if err != nil {
				return
			}
			again = appendFrame(nil, fr)
		case msgSent:
			s, err := decodeSent(b)
			if err != nil {
				return
			}
			again = appendSent(nil, s)
		case msgBudget:
			bu, err := decodeBudget(b)
			if err != nil {
				return
			}
			again = appendBudget(nil, bu)
		default:
			return
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("type %d: re-encoded % x\n          from % x", typ, again, b)
		}
	})
}

func clockOrReal() clock.Clock { return clock.Real() }

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
