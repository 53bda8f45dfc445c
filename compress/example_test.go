package compress_test

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"github.com/altnet/altnet/compress"
	"github.com/btcsuite/btcd/wire"
)

func header(s string) wire.BlockHeader {
	b, _ := hex.DecodeString(s)
	var h wire.BlockHeader
	_ = h.Deserialize(bytes.NewReader(b))
	return h
}

// Mainnet's genesis block and block 1, facts.
var (
	genesis = header("0100000000000000000000000000000000000000000000000000000000000000" +
		"000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa" +
		"4b1e5e4a29ab5f49ffff001d1dac2b7c")
	block1 = header("010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000" +
		"982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299")
)

// A receiver that holds the genesis block gets block 1 as a run of one.
func ExampleEncodeRun() {
	chain := &compress.HeaderSlice{Start: 0, Headers: []wire.BlockHeader{genesis}}
	enc, err := compress.EncodeRun(nil, chain, 1, 1, []wire.BlockHeader{block1})
	if err != nil {
		panic(err)
	}
	info, hs, err := compress.DecodeRun(chain, enc)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d bytes; run of %d from height %d; block %v\n", len(enc), info.Count, info.Start, hs[0].BlockHash())
	// Output: 45 bytes; run of 1 from height 1; block 00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048
}

// A newcomer that holds nothing gets the genesis header standalone.
func ExampleEncodeStandalone() {
	enc, err := compress.EncodeStandalone(nil, &genesis)
	if err != nil {
		panic(err)
	}
	h, err := compress.DecodeStandalone(enc)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d bytes; block %v\n", len(enc), h.BlockHash())
	// Output: 47 bytes; block 000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f
}
