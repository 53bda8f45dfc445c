package link

import (
	"bytes"
	"errors"
	"math/big"
	"testing"
)

// TestWholeFrameVector pins the byte layout of a whole frame.
func TestWholeFrameVector(t *testing.T) {
	ack := TxAck{ShortID: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}, Status: AckRejected, Reason: 0x42}
	body, err := ack.AppendBody(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := AppendWhole(nil, Regtest, ack.Type(), body)
	want := []byte{
		0x1c,                   // version 1 (0001), regtest (11), whole (0), reserved (0)
		0x04,                   // type: tx acknowledgement
		1, 2, 3, 4, 5, 6, 7, 8, // short txid
		0x02,                   // status: rejected
		0x42,                   // reason: insufficient fee (BIP 61)
		0x49, 0xdd, 0x66, 0x1c, // CRC-32C of the 12 bytes before, little-endian (computed bitwise, independently)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("frame\n got % x\nwant % x", got, want)
	}
	f, err := DecodeFrame(got)
	if err != nil || f.Fragment || f.Network != Regtest || f.Type != TypeTxAck || !bytes.Equal(f.Body, body) {
		t.Fatalf("decode: %+v, %v", f, err)
	}
}

// TestFragmentFrameVector pins the byte layout of a fragment frame.
func TestFragmentFrameVector(t *testing.T) {
	got := AppendFragment(nil, Mainnet, TypeTx, [4]byte{0xde, 0xad, 0xbe, 0xef}, 2, 3, 1, []byte{0xaa, 0xbb, 0xcc})
	want := []byte{
		0x12,                   // version 1, mainnet (00), fragment (1), reserved (0)
		0x03,                   // type: transaction
		0xde, 0xad, 0xbe, 0xef, // message id
		0x02,             // k: 2 data fragments
		0x03,             // index 3: the second parity fragment
		0x01,             // pad: 1 byte of padding ends the last data fragment
		0xaa, 0xbb, 0xcc, // shard
		0xbb, 0x09, // low 16 bits of CRC-32C, little-endian
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("frame\n got % x\nwant % x", got, want)
	}
	f, err := DecodeFrame(got)
	if err != nil || !f.Fragment || f.K != 2 || f.Index != 3 || f.Pad != 1 || f.MessageLen() != 5 {
		t.Fatalf("decode: %+v, %v", f, err)
	}
}

func TestDecodeFrameErrors(t *testing.T) {
	good := AppendWhole(nil, Mainnet, TypeTx, []byte{1, 2, 3})
	flip := func(b []byte, i int, x byte) []byte {
		c := bytes.Clone(b)
		c[i] ^= x
		return c
	}
	frag := func(k, idx, pad int, shard []byte) []byte {
		return AppendFragment(nil, Mainnet, TypeTx, [4]byte{}, k, idx, pad, shard)
	}
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"empty", nil, ErrShort},
		{"five bytes", good[:5], ErrShort},
		{"too long", make([]byte, MaxFrame+1), ErrLong},
		{"version 2", flip(good, 0, 0x30), ErrVersion},
		{"reserved bit", flip(good, 0, 0x01), ErrReserved},
		{"bit error in body", flip(good, 3, 0x10), ErrChecksum},
		{"bit error in check", flip(good, len(good)-1, 0x80), ErrChecksum},
		{"fragment without shard", frag(1, 0, 0, nil), ErrShort},
		{"k zero", frag(0, 0, 0, []byte{1}), ErrGeometry},
		{"index 255", frag(2, 255, 0, []byte{1}), ErrGeometry},
		{"pad the whole shard", frag(2, 0, 2, []byte{1, 2}), ErrGeometry},
		{"message over MaxMessage", frag(255, 0, 0, make([]byte, 100)), ErrGeometry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeFrame(tt.frame); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestMessageRoundTrip(t *testing.T) {
	work, _ := new(big.Int).SetString("b1a8d5c3e0f1a2b3c4d5e6f7", 16)
	msgs := []Message{
		HeaderRun{Height: 840000, Count: 3, History: 1, Check: [4]byte{1, 2, 3, 4}, Data: []byte("compressed headers")},
		Tip{Height: 840000, Work: work, Header: make([]byte, 80)},
		Tip{Height: 0, Work: new(big.Int), Header: []byte{1}},
		Tx{Data: []byte("compressed tx")},
		TxAck{ShortID: [8]byte{9}, Status: AckAlreadyKnown},
		HeaderRequest{Max: 144, Locator: []LocatorEntry{{Height: 100, Hash: [8]byte{1}}, {Height: 90}, {Height: 0}}},
	}
	for _, m := range msgs {
		t.Run(m.Type().String(), func(t *testing.T) {
			body, err := m.AppendBody(nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeBody(m.Type(), body)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := got.AppendBody(nil)
			if !bytes.Equal(body, again) {
				t.Fatalf("re-encoded % x, want % x", again, body)
			}
		})
	}
}

func TestBodyVectors(t *testing.T) {
	tests := []struct {
		m    Message
		want []byte
	}{
		{HeaderRun{Height: 0x0CD140, Count: 2, History: 2016, Check: [4]byte{0xc1, 0xc2, 0xc3, 0xc4}, Data: []byte{0xee}}, []byte{
			0x40, 0xd1, 0x0c, 0x00, // anchor height 840000, u32 LE
			0x02, 0x00, // count 2, u16 LE
			0xe0, 0x07, // history 2016, u16 LE
			0xc1, 0xc2, 0xc3, 0xc4, // check: hash prefix of the last header
			0xee, // compressed headers
		}},
		{Tip{Height: 1, Work: big.NewInt(0x0102), Header: []byte{0xff}}, []byte{
			0x01, 0x00, 0x00, 0x00, // height 1
			0x02,       // work length
			0x01, 0x02, // work 0x0102, big-endian, minimal
			0xff, // header
		}},
		{HeaderRequest{Max: 144, Locator: []LocatorEntry{{Height: 7, Hash: [8]byte{0xab}}}}, []byte{
			0x90, 0x00, // max 144
			0x01,                   // one locator entry
			0x07, 0x00, 0x00, 0x00, // height 7
			0xab, 0, 0, 0, 0, 0, 0, 0, // hash prefix
		}},
	}
	for _, tt := range tests {
		got, err := tt.m.AppendBody(nil)
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("%v: got % x, %v; want % x", tt.m.Type(), got, err, tt.want)
		}
	}
}

func TestBadBodies(t *testing.T) {
	tests := []struct {
		name string
		t    Type
		body []byte
	}{
		{"short run", TypeHeaderRun, []byte{1, 2, 3, 4, 1, 0, 1, 0, 0, 0, 0, 0}},
		{"run of zero headers", TypeHeaderRun, []byte{1, 2, 3, 4, 0, 0, 1, 0, 0, 0, 0, 0, 9}},
		{"run of 2017 headers", TypeHeaderRun, []byte{1, 2, 3, 4, 0xe1, 0x07, 1, 0, 0, 0, 0, 0, 9}},
		{"run without history", TypeHeaderRun, []byte{1, 2, 3, 4, 1, 0, 0, 0, 0, 0, 0, 0, 9}},
		{"run with a history of 2017", TypeHeaderRun, []byte{1, 2, 3, 4, 1, 0, 0xe1, 0x07, 0, 0, 0, 0, 9}},
		{"tip work longer than body", TypeTip, []byte{1, 0, 0, 0, 9, 1, 2}},
		{"tip work of 33 bytes", TypeTip, append([]byte{1, 0, 0, 0, 33}, make([]byte, 40)...)},
		{"tip work with leading zero", TypeTip, []byte{1, 0, 0, 0, 2, 0, 1, 0xff}},
		{"tip without header", TypeTip, []byte{1, 0, 0, 0, 1, 1}},
		{"empty tx", TypeTx, nil},
		{"ack status 3", TypeTxAck, []byte{0, 0, 0, 0, 0, 0, 0, 0, 3, 0}},
		{"accepted with reason", TypeTxAck, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}},
		{"rejected without reason", TypeTxAck, []byte{0, 0, 0, 0, 0, 0, 0, 0, 2, 0}},
		{"ack too long", TypeTxAck, make([]byte, 11)},
		{"locator count mismatch", TypeHeaderRequest, []byte{1, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"locator heights increase", TypeHeaderRequest, append([]byte{1, 0, 2}, append(make([]byte, 12), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)...)},
		{"request for zero headers", TypeHeaderRequest, append([]byte{0, 0, 1}, make([]byte, 12)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeBody(tt.t, tt.body); !errors.Is(err, ErrBody) {
				t.Fatalf("got %v, want ErrBody", err)
			}
		})
	}
	if _, err := DecodeBody(Type(99), []byte{1}); !errors.Is(err, ErrUnknownType) {
		t.Fatalf("type 99: %v", err)
	}
}

// TestMessageIDVector pins the message id and a whole transaction frame,
// both computed independently (Python hashlib and a bitwise CRC-32C).
func TestMessageIDVector(t *testing.T) {
	if id := MessageID(Mainnet, TypeTx, []byte("abc")); id != [4]byte{0x70, 0x00, 0x53, 0x6c} {
		t.Fatalf("id % x", id)
	}
	want := []byte{0x10, 0x03, 'a', 'b', 'c', 0x12, 0x02, 0x5d, 0xfe}
	if got := AppendWhole(nil, Mainnet, TypeTx, []byte("abc")); !bytes.Equal(got, want) {
		t.Fatalf("frame % x, want % x", got, want)
	}
}

// TestAckTagVector pins the acknowledgement tag (computed independently
// with Python's hmac) and checks that a tag binds the key, the network and
// every field.
func TestAckTagVector(t *testing.T) {
	key := []byte("altnet test key 2026")
	ack := TxAck{ShortID: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}, Status: AckRejected, Reason: 0x42}
	signed := ack.Sign(Regtest, key)
	if want := [TagSize]byte{0x81, 0xd7, 0x5a, 0xa2, 0xa6, 0x60, 0x5d, 0x53}; !signed.Tagged || signed.Tag != want {
		t.Fatalf("tag % x, want % x", signed.Tag, want)
	}
	if want := [TagSize]byte{0x59, 0x04, 0x8f, 0x8e, 0xe8, 0x5d, 0xc0, 0x36}; ack.Sign(Mainnet, key).Tag != want {
		t.Fatalf("mainnet tag % x, want % x", ack.Sign(Mainnet, key).Tag, want)
	}
	body, err := signed.AppendBody(nil)
	if err != nil || len(body) != 18 {
		t.Fatalf("tagged body % x, %v; want 18 bytes", body, err)
	}
	m, err := DecodeBody(TypeTxAck, body)
	if err != nil || m != signed || !m.(TxAck).Authentic(Regtest, key) {
		t.Fatalf("decoded %+v, %v; want the signed ack, authentic", m, err)
	}
	accepted := signed
	accepted.Status, accepted.Reason = AckAccepted, 0 // a forger's edit
	other := signed
	other.ShortID[0] ^= 1
	for _, tt := range []struct {
		name string
		m    TxAck
		net  Network
		key  []byte
	}{
		{"untagged", ack, Regtest, key},
		{"other key", signed, Regtest, []byte("altnet test key 2027")},
		{"other network", signed, Mainnet, key},
		{"status changed", accepted, Regtest, key},
		{"short id changed", other, Regtest, key},
	} {
		if tt.m.Authentic(tt.net, tt.key) {
			t.Errorf("%s: authentic", tt.name)
		}
	}
	if _, err := DecodeBody(TypeTxAck, body[:17]); !errors.Is(err, ErrBody) {
		t.Errorf("17-byte ack: %v, want ErrBody", err)
	}
}
