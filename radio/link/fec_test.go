package link

import (
	"bytes"
	"testing"
	"time"

	"github.com/altnet/altnet/lora"
)

// sf9 is the LoRa setting of the issue's figure: SF9, 125 kHz, CR 4/5, an
// 8-symbol preamble, explicit header, CRC on.
var sf9 = lora.Modem{SF: lora.SF9, Bandwidth: lora.BW125, CodingRate: lora.CR4_5, Preamble: 8, CRC: true}

// TestParityVector pins the Reed-Solomon code docs/protocol.md specifies:
// the rows of E = V * inverse(V[0:k]) over GF(2^8) mod 0x11d, V[r][c] = r^c.
// The expected parity was computed by an independent implementation of
// that definition (for k = 2, E's parity rows are [3 2], [2 3], [5 4]).
func TestParityVector(t *testing.T) {
	shards, err := encodeShards([]byte{1, 2, 3, 4, 5, 6}, 2, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{{1, 2, 3}, {4, 5, 6}, {11, 12, 9}, {14, 11, 12}, {21, 30, 23}}
	for i := range want {
		if !bytes.Equal(shards[i], want[i]) {
			t.Errorf("shard %d = %v, want %v", i, shards[i], want[i])
		}
	}
}

// TestParityPrefix checks the property fragment rotation relies on: codes
// with the same k agree on every shard they share, whatever their total.
func TestParityPrefix(t *testing.T) {
	body := randomBytes(1, 1000)
	for _, k := range []int{1, 2, 7, 40} {
		size := (len(body) + k - 1) / k
		small, err := encodeShards(body, k, k+3, size)
		if err != nil {
			t.Fatal(err)
		}
		large, err := encodeShards(body, k, MaxFragments, size)
		if err != nil {
			t.Fatal(err)
		}
		for i := range small {
			if !bytes.Equal(small[i], large[i]) {
				t.Fatalf("k=%d: shard %d differs between totals %d and %d", k, i, k+3, MaxFragments)
			}
		}
	}
}

func TestPlanTheIssueFigure(t *testing.T) {
	p, err := PlanMessage(300, 255, sf9.Airtime, Redundancy{Loss: 0.2, Target: 0.99})
	if err != nil {
		t.Fatal(err)
	}
	if p.Whole || p.K != 2 || p.N != 5 || p.Shard != 150 || p.FrameLen != 161 {
		t.Fatalf("plan %+v, want 2 data + 3 parity fragments of 150 bytes", p)
	}
	base := sf9.Airtime(255) + sf9.Airtime(45)
	if r := float64(p.Airtime) / float64(base); r > 2.7 {
		t.Fatalf("airtime ratio %.3f above 2.7", r)
	}
	if p.Delivery < 0.993 || p.Delivery > 0.9933 {
		t.Fatalf("predicted delivery %v, want 1 - 0.2^5 - 5*0.8*0.2^4 = 0.99328", p.Delivery)
	}
}

func TestPlans(t *testing.T) {
	flat := func(n int) time.Duration { return time.Duration(n+20) * time.Millisecond }
	tests := []struct {
		name              string
		length, mtu       int
		r                 Redundancy
		whole             bool
		copies, k, n, shd int
	}{
		{"small message, no redundancy", 50, 255, Redundancy{}, true, 1, 0, 0, 0},
		{"small message, two extra copies", 50, 255, Redundancy{Extra: 2}, true, 3, 0, 0, 0},
		{"small message, 99% at 20% loss: three copies", 50, 255, Redundancy{Loss: 0.2, Target: 0.99}, true, 3, 0, 0, 0},
		{"fits exactly", 249, 255, Redundancy{}, true, 1, 0, 0, 0},
		{"one byte over", 250, 255, Redundancy{}, false, 0, 2, 2, 125},
		{"fixed parity", 1000, 255, Redundancy{Extra: 3}, false, 0, 5, 8, 200},
		{"cheapest k for a target", 1000, 255, Redundancy{Loss: 0.1, Target: 0.9}, false, 0, 8, 10, 125},
		{"small MTU", 1000, 64, Redundancy{}, false, 0, 19, 19, 53},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PlanMessage(tt.length, tt.mtu, flat, tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if p.Whole != tt.whole || p.Copies != tt.copies || p.K != tt.k || p.N != tt.n || p.Shard != tt.shd {
				t.Fatalf("plan %+v", p)
			}
			if p.FrameLen > tt.mtu {
				t.Fatalf("frame of %d bytes above MTU %d", p.FrameLen, tt.mtu)
			}
		})
	}
	if _, err := PlanMessage(MaxMessage+1, 255, flat, Redundancy{}); err == nil {
		t.Fatal("message above MaxMessage planned")
	}
	if _, err := PlanMessage(10, 255, flat, Redundancy{Loss: 1}); err == nil {
		t.Fatal("loss 1 accepted")
	}
}

func newTestReceiver(t testing.TB, n Network) *Receiver {
	t.Helper()
	r, err := NewReceiver(n, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestAnyKOfN rebuilds a 300-byte transaction from every pair of its five
// fragments.
func TestAnyKOfN(t *testing.T) {
	data := randomBytes(2, 300)
	enc := Encoder{Network: Mainnet, MTU: 255, Airtime: sf9.Airtime, Redundancy: Redundancy{Loss: 0.2, Target: 0.99}}
	out, err := enc.Encode(Tx{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	frames, err := out.Frames(0)
	if err != nil {
		t.Fatal(err)
	}
	for a := range frames {
		for b := a + 1; b < len(frames); b++ {
			r := newTestReceiver(t, Mainnet)
			if _, ok, err := r.Accept(frames[a], t0); ok || err != nil {
				t.Fatalf("first fragment: ok %v, %v", ok, err)
			}
			got, ok, err := r.Accept(frames[b], t0)
			if !ok || err != nil || !bytes.Equal(got.Message.(Tx).Data, data) || got.ID != out.ID {
				t.Fatalf("fragments %d+%d: ok %v, %v", a, b, ok, err)
			}
			if _, _, err := r.Accept(frames[(b+1)%len(frames)], t0); err != ErrDuplicate {
				t.Fatalf("fragment after delivery: %v, want ErrDuplicate", err)
			}
		}
	}
}

// TestPassesCombine: a receiver that hears one fragment of each of two
// carousel passes rebuilds the message, because passes use new indexes.
func TestPassesCombine(t *testing.T) {
	enc := Encoder{Network: Signet, MTU: 100, Airtime: sf9.Airtime, Redundancy: Redundancy{Extra: 1}}
	out, err := enc.Encode(HeaderRun{Height: 10, Count: 2, History: 1, Data: bytes.Repeat([]byte{7}, 150)})
	if err != nil {
		t.Fatal(err)
	}
	var seen []int
	r := newTestReceiver(t, Signet)
	for pass := range 300 {
		frames, err := out.Frames(pass)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := DecodeFrame(frames[0])
		seen = append(seen, f.Index)
		if _, ok, err := r.Accept(frames[0], t0); ok {
			if pass == 0 {
				t.Fatal("delivered from one fragment")
			}
			return
		} else if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("never delivered; first indexes of each pass %v", seen)
}

// TestForgedFragmentLeftOut: a fragment with a valid check but forged data
// under the message's id is left out of the rebuild once a spare arrives.
func TestForgedFragmentLeftOut(t *testing.T) {
	data := bytes.Repeat([]byte("tx"), 150)
	enc := Encoder{Network: Mainnet, MTU: 255, Airtime: sf9.Airtime, Redundancy: Redundancy{Extra: 3}}
	out, _ := enc.Encode(Tx{Data: data})
	frames, _ := out.Frames(0)
	f, _ := DecodeFrame(frames[1])
	forged := bytes.Clone(f.Shard)
	forged[0] ^= 0xff
	bad := AppendFragment(nil, Mainnet, TypeTx, f.ID, f.K, f.Index, f.Pad, forged)
	r := newTestReceiver(t, Mainnet)
	for i, fr := range [][]byte{bad, frames[0]} {
		if _, ok, err := r.Accept(fr, t0); ok || err != nil {
			t.Fatalf("frame %d: ok %v err %v", i, ok, err)
		}
	}
	got, ok, err := r.Accept(frames[3], t0)
	if !ok || err != nil || !bytes.Equal(got.Message.(Tx).Data, data) {
		t.Fatalf("with a spare fragment: ok %v, %v", ok, err)
	}
}

func TestReceiverSkips(t *testing.T) {
	r := newTestReceiver(t, Mainnet)
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"testnet frame on mainnet", AppendWhole(nil, Testnet, TypeTx, []byte{1}), ErrWrongNetwork},
		{"unknown type", AppendWhole(nil, Mainnet, Type(77), []byte{1}), ErrUnknownType},
		{"bad body", AppendWhole(nil, Mainnet, TypeTxAck, []byte{1}), ErrBody},
		{"garbage", []byte("hello, world"), ErrVersion},
	}
	for _, tt := range tests {
		if _, ok, err := r.Accept(tt.frame, t0); ok || !errorsIs(err, tt.want) {
			t.Errorf("%s: ok %v, err %v, want %v", tt.name, ok, err, tt.want)
		}
	}
	whole := AppendWhole(nil, Mainnet, TypeTx, []byte{1})
	if _, ok, err := r.Accept(whole, t0); !ok || err != nil {
		t.Fatalf("whole frame: %v %v", ok, err)
	}
	if _, ok, err := r.Accept(whole, t0); ok || err != ErrDuplicate {
		t.Fatalf("repeated whole frame: %v %v", ok, err)
	}
	s := r.Stats()
	if s.WrongNetwork != 1 || s.UnknownType != 1 || s.BadBody != 1 || s.Malformed != 1 || s.Delivered != 1 || s.Duplicates != 1 {
		t.Fatalf("stats %+v", s)
	}
}
