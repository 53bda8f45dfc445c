package p2p

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// verackRegtest is a complete verack message on regtest.
var verackRegtest = []byte{
	0xfa, 0xbf, 0xb5, 0xda, // magic: regtest, little endian 0xdab5bffa
	'v', 'e', 'r', 'a', 'c', 'k', 0, 0, 0, 0, 0, 0, // command, NUL padded
	0x00, 0x00, 0x00, 0x00, // payload length 0
	0x5d, 0xf6, 0xe0, 0xe2, // checksum: SHA256d("")[:4]
}

func TestReadVerackVector(t *testing.T) {
	msg, cmd, err := readMessage(bytes.NewReader(verackRegtest), regtest.Net, ProtocolVersion)
	if err != nil || cmd != "verack" {
		t.Fatalf("readMessage = %v, %q, %v", msg, cmd, err)
	}
	if _, ok := msg.(*wire.MsgVerAck); !ok {
		t.Fatalf("decoded %T", msg)
	}
	enc, err := encodeMessage(wire.NewMsgVerAck(), regtest.Net, ProtocolVersion, wire.BaseEncoding)
	if err != nil || !bytes.Equal(enc, verackRegtest) {
		t.Fatalf("encodeMessage(verack) = %x, %v; want %x", enc, err, verackRegtest)
	}
}

// frame builds a message with a correct checksum unless sum is given.
func frame(magic wire.BitcoinNet, cmd string, payload []byte, sum []byte) []byte {
	b := make([]byte, headerSize, headerSize+len(payload))
	binary.LittleEndian.PutUint32(b[0:4], uint32(magic))
	copy(b[4:16], cmd)
	binary.LittleEndian.PutUint32(b[16:20], uint32(len(payload)))
	if sum == nil {
		sum = chainhash.DoubleHashB(payload)[:4]
	}
	copy(b[20:24], sum)
	return append(b, payload...)
}

func TestReadMessageErrors(t *testing.T) {
	hugeLen := frame(regtest.Net, "headers", nil, nil)
	binary.LittleEndian.PutUint32(hugeLen[16:20], 1<<31)
	badCmd := frame(regtest.Net, "ping", make([]byte, 8), nil)
	badCmd[9] = 'x' // a byte after the NUL padding started
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"mainnet magic", frame(wire.MainNet, "verack", nil, nil), ErrWrongNetwork},
		{"payload over the command's limit", frame(regtest.Net, "ping", make([]byte, 9), nil), ErrTooLarge},
		{"declared length 2 GiB", hugeLen, ErrTooLarge},
		{"checksum", frame(regtest.Net, "ping", make([]byte, 8), []byte{1, 2, 3, 4}), ErrChecksum},
		{"garbage after padding", badCmd, ErrMalformed},
		{"empty command", frame(regtest.Net, "", nil, nil), ErrMalformed},
		{"non-ASCII command", frame(regtest.Net, "p\x01ng", nil, nil), ErrMalformed},
		{"truncated header", verackRegtest[:10], io.ErrUnexpectedEOF},
		{"truncated payload", frame(regtest.Net, "ping", make([]byte, 8), nil)[:28], io.ErrUnexpectedEOF},
		{"ignored command too large", frame(regtest.Net, "cmpctblock", make([]byte, maxIgnoredPayload+1), nil), ErrTooLarge},
		{"tx claiming 4M witness items", frame(regtest.Net, "tx", hostileWitnessTx(), nil), ErrMalformed},
		{"inv claiming 5000 items in 3 bytes", frame(regtest.Net, "inv", []byte{0xfd, 0x88, 0x13}, nil), ErrMalformed},
		{"reject with a 32 MiB reason", frame(regtest.Net, "reject", []byte{2, 't', 'x', 0x10, 0xfe, 0, 0, 0, 2}, nil), ErrMalformed},
		{"non-canonical varint", frame(regtest.Net, "inv", []byte{0xfd, 0x01, 0x00}, nil), ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readMessage(bytes.NewReader(tc.in), regtest.Net, ProtocolVersion)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestReadMessageSkipsIgnoredCommands(t *testing.T) {
	stream := append(frame(regtest.Net, "wtxidrelay", nil, nil), verackRegtest...)
	r := bytes.NewReader(stream)
	msg, cmd, err := readMessage(r, regtest.Net, ProtocolVersion)
	if msg != nil || cmd != "wtxidrelay" || err != nil {
		t.Fatalf("first = %v, %q, %v; want ignored wtxidrelay", msg, cmd, err)
	}
	if msg, _, err := readMessage(r, regtest.Net, ProtocolVersion); err != nil || msg.Command() != "verack" {
		t.Fatalf("second = %v, %v; want verack", msg, err)
	}
}

// hostileWitnessTx is a 58-byte tx payload whose one input claims 4,000,000
// witness items, which wire allocates room for before reading them.
func hostileWitnessTx() []byte {
	p := []byte{2, 0, 0, 0, 0x00, 0x01} // version 2, segwit marker and flag
	p = append(p, 1)                    // one input
	p = append(p, make([]byte, 36)...)  // outpoint
	p = append(p, 0, 0xff, 0xff, 0xff, 0xff)
	p = append(p, 0)                            // no outputs
	p = append(p, 0xfe, 0x00, 0x09, 0x3d, 0x00) // 4,000,000 witness items
	return append(p, 0, 0, 0, 0)                // lock time
}

// TestReadMessageBoundsMemory compares the bytes allocated to refuse the
// hostile transaction with what wire allocates decoding it with the witness
// encoding (as a witness peer must), measured in the same run.
func TestReadMessageBoundsMemory(t *testing.T) {
	warmScriptPool(t)
	msg := frame(regtest.Net, "tx", hostileWitnessTx(), nil)
	ours := allocated(func() { _, _, _ = readMessage(bytes.NewReader(msg), regtest.Net, ProtocolVersion) })
	theirs := allocated(func() {
		_, _, _, _ = wire.ReadMessageWithEncodingN(bytes.NewReader(msg), ProtocolVersion, regtest.Net, wire.WitnessEncoding)
	})
	t.Logf("bytes allocated for a %d-byte hostile tx: readMessage %d, wire.ReadMessageWithEncodingN %d (%.0fx)",
		len(msg), ours, theirs, float64(theirs)/float64(max(ours, 1)))
	if ours > 64*1024 {
		t.Fatalf("readMessage allocated %d bytes for a %d-byte message", ours, len(msg))
	}
}

// TestAnnouncedLengthIsNotAllocated: a header that announces a large
// payload (within the command's limit) and then sends nothing costs memory
// for what arrives, not for what it announces. The fuzzer found a 24-byte
// tx header announcing 340,016 bytes that allocated them all.
func TestAnnouncedLengthIsNotAllocated(t *testing.T) {
	for _, cmd := range []string{"tx", "headers", "inv"} {
		spec, _ := specFor(cmd)
		msg := frame(regtest.Net, cmd, nil, nil)
		binary.LittleEndian.PutUint32(msg[16:20], spec.max)
		var err error
		n := allocated(func() { _, _, err = readMessage(bytes.NewReader(msg), regtest.Net, ProtocolVersion) })
		if !errors.Is(err, io.EOF) {
			t.Errorf("%s: %v, want EOF", cmd, err)
		}
		if n > 2*payloadChunk {
			t.Errorf("%s announcing %d bytes: allocated %d for a %d-byte message", cmd, spec.max, n, len(msg))
		}
	}
}

// warmScriptPool decodes one transaction so that wire's free list holds a
// 4 MB script slab: the first MsgTx decode of a process allocates it, every
// later one borrows it. Allocation bounds are measured after that.
func warmScriptPool(t testing.TB) {
	b, err := encodeMessage(sampleTx(1), regtest.Net, ProtocolVersion, wire.WitnessEncoding)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := readMessage(bytes.NewReader(b), regtest.Net, ProtocolVersion); err != nil {
		t.Fatal(err)
	}
}

func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestDecodeHeaderCommands(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		ok   bool
		want string
	}{
		{"version", true, "version"},
		{"sendaddrv2", true, "sendaddrv2"},
		{"123456789012", true, "123456789012"}, // 12 characters, no NUL
		{"", false, ""},
		{" ", true, " "},
		{"a\x7f", false, ""},
	} {
		b := frame(regtest.Net, tc.cmd, nil, nil)[:headerSize]
		h, err := decodeHeader(b)
		if (err == nil) != tc.ok || (tc.ok && h.command != tc.want) {
			t.Errorf("decodeHeader(%q) = %q, %v", tc.cmd, h.command, err)
		}
	}
	if _, err := decodeHeader(make([]byte, 23)); !errors.Is(err, ErrMalformed) {
		t.Errorf("23-byte header: %v", err)
	}
}

// seedMessages are valid encodings of what the package reads, for the fuzz
// corpus and the round-trip test.
func seedMessages(t testing.TB) [][]byte {
	hdr := regtest.GenesisBlock.Header
	hs := wire.NewMsgHeaders()
	_ = hs.AddBlockHeader(&hdr)
	gh := wire.NewMsgGetHeaders()
	gh.ProtocolVersion = ProtocolVersion
	_ = gh.AddBlockLocatorHash(regtest.GenesisHash)
	inv := wire.NewMsgInv()
	_ = inv.AddInvVect(wire.NewInvVect(wire.InvTypeWitnessTx, regtest.GenesisHash))
	ver := wire.NewMsgVersion(wire.NewNetAddressIPPort(nil, 0, 0), wire.NewNetAddressIPPort(nil, 0, 0), 7, 100)
	ver.UserAgent = DefaultUserAgent
	msgs := []wire.Message{
		ver, wire.NewMsgVerAck(), wire.NewMsgPing(42), wire.NewMsgPong(42), hs, gh, inv,
		wire.NewMsgReject("tx", wire.RejectInvalid, "bad-txns"), sampleTx(7), wire.NewMsgFeeFilter(1000),
	}
	var out [][]byte
	for _, m := range msgs {
		b, err := encodeMessage(m, regtest.Net, ProtocolVersion, wire.WitnessEncoding)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestSeedMessagesRoundTrip(t *testing.T) {
	for _, b := range seedMessages(t) {
		roundTrip(t, b)
	}
}

// roundTrip checks that a message readMessage accepts encodes back to bytes
// that read the same.
func roundTrip(t *testing.T, b []byte) {
	msg, cmd, err := readMessage(bytes.NewReader(b), regtest.Net, ProtocolVersion)
	if err != nil || msg == nil {
		return
	}
	enc, err := encodeMessage(msg, regtest.Net, ProtocolVersion, wire.WitnessEncoding)
	if err != nil {
		t.Fatalf("%s: decoded but does not encode: %v", cmd, err)
	}
	again, _, err := readMessage(bytes.NewReader(enc), regtest.Net, ProtocolVersion)
	if err != nil {
		t.Fatalf("%s: re-encoding does not read: %v", cmd, err)
	}
	enc2, _ := encodeMessage(again, regtest.Net, ProtocolVersion, wire.WitnessEncoding)
	if !bytes.Equal(enc, enc2) {
		t.Fatalf("%s: round trip differs:\n%x\n%x", cmd, enc, enc2)
	}
}

// FuzzReadMessage feeds arbitrary bytes to the message reader: no panic,
// bounded allocation, and anything accepted round-trips.
func FuzzReadMessage(f *testing.F) {
	for _, b := range seedMessages(f) {
		f.Add(b)
	}
	f.Add(frame(regtest.Net, "tx", hostileWitnessTx(), nil))
	f.Add(frame(regtest.Net, "wtxidrelay", nil, nil))
	warmScriptPool(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if n := allocated(func() { _, _, _ = readMessage(bytes.NewReader(b), regtest.Net, ProtocolVersion) }); n > uint64(64*len(b)+256*1024) {
			t.Fatalf("allocated %d bytes for %d input bytes", n, len(b))
		}
		roundTrip(t, b)
	})
}

func TestTxStatusStrings(t *testing.T) {
	for s, want := range map[TxStatus]string{TxUnknown: "unknown", TxAccepted: "accepted", TxAlreadyKnown: "already-known", TxRejected: "rejected", 9: "TxStatus(9)"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(s), s, want)
		}
	}
	r := TxResult{Status: TxRejected, Code: wire.RejectInvalid, Reason: "bad"}
	if !strings.Contains(r.String(), "REJECT_INVALID") || r.InMempool() {
		t.Errorf("rejected result: %q", r)
	}
}
