package link

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

// seedFrames returns real frames of every type for the fuzz corpora.
func seedFrames(tb testing.TB) [][]byte {
	frames, _ := legit(tb, 2, 1)
	for _, m := range []Message{
		HeaderRun{Height: 1, Count: 1, History: 1, Data: []byte{1, 2, 3}},
		Tip{Height: 2, Header: make([]byte, 80)},
		TxAck{Status: AckRejected, Reason: 0x10},
		TxAck{ShortID: [8]byte{7}, Status: AckAccepted}.Sign(Mainnet, []byte("fuzz seed key 16")),
		HeaderRequest{Max: 10, Locator: []LocatorEntry{{Height: 5}}},
	} {
		body, _ := m.AppendBody(nil)
		frames = append(frames, AppendWhole(nil, Mainnet, m.Type(), body))
	}
	return frames
}

// FuzzDecodeFrame: any input decodes or fails cleanly, and what decodes
// re-encodes to the same bytes (one encoding per frame).
func FuzzDecodeFrame(f *testing.F) {
	for _, fr := range seedFrames(f) {
		f.Add(fr)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeFrame(b)
		if err != nil {
			return
		}
		var again []byte
		if fr.Fragment {
			again = AppendFragment(nil, fr.Network, fr.Type, fr.ID, fr.K, fr.Index, fr.Pad, fr.Shard)
		} else {
			again = AppendWhole(nil, fr.Network, fr.Type, fr.Body)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoded % x\n        from % x", again, b)
		}
	})
}

// FuzzDecodeBody: every body decodes or fails with ErrBody, and what
// decodes re-encodes to the same bytes.
func FuzzDecodeBody(f *testing.F) {
	for _, fr := range seedFrames(f) {
		if d, err := DecodeFrame(fr); err == nil && !d.Fragment {
			f.Add(byte(d.Type), d.Body)
		}
	}
	f.Fuzz(func(t *testing.T, typ byte, body []byte) {
		m, err := DecodeBody(Type(typ), body)
		if err != nil {
			return
		}
		again, err := m.AppendBody(nil)
		if err != nil || !bytes.Equal(again, body) {
			t.Fatalf("type %d: re-encoded % x (%v)\n          from % x", typ, again, err, body)
		}
	})
}

// FuzzReceiver feeds a sequence of frames (each prefixed by a 2-byte
// length in the fuzz input) to a small receiver: it never panics, stays in
// bounds, and delivers only messages whose id checks.
func FuzzReceiver(f *testing.F) {
	var seed []byte
	for _, fr := range seedFrames(f) {
		seed = binary.LittleEndian.AppendUint16(seed, uint16(len(fr)))
		seed = append(seed, fr...)
	}
	f.Add(seed)
	lim := Limits{MaxPartial: 8, MaxBytes: 64 << 10, MaxAge: time.Minute, MaxIdle: 10 * time.Second, MaxDone: 4, DoneFor: time.Minute}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := NewReceiver(Mainnet, lim)
		if err != nil {
			t.Fatal(err)
		}
		now := t0
		for len(in) >= 2 {
			n := int(binary.LittleEndian.Uint16(in))
			in = in[2:]
			n = min(n, len(in))
			got, ok, _ := r.Accept(in[:n], now)
			in = in[n:]
			now = now.Add(time.Second)
			if ok && got.ID != MessageID(got.Network, got.Type, got.Body) {
				t.Fatalf("delivered a message whose id does not check")
			}
			checkBounds(t, r, lim)
		}
	})
}
