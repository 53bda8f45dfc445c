package p2p

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// BenchmarkReadMessage compares the bounded reader with wire's own reader
// (the baseline, same run) on a full headers message and on a transaction.
// The difference is the cost of the shape walk and of reading the payload
// before decoding it.
func BenchmarkReadMessage(b *testing.B) {
	chain := newMemChain(regtest)
	hs := wire.NewMsgHeaders()
	for _, h := range chain.mine(wire.MaxBlockHeadersPerMsg, 1) {
		_ = hs.AddBlockHeader(&h)
	}
	for _, m := range []wire.Message{hs, sampleTx(1)} {
		raw, err := encodeMessage(m, regtest.Net, ProtocolVersion, wire.WitnessEncoding)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(m.Command()+"/wire", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, _, _, err := wire.ReadMessageWithEncodingN(bytes.NewReader(raw), ProtocolVersion, regtest.Net, wire.WitnessEncoding); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(m.Command()+"/p2p", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, _, err := readMessage(bytes.NewReader(raw), regtest.Net, ProtocolVersion); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
