package p2p_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/altnet/altnet/p2p"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// chain stands for the caller's header chain (package headers in AltNet).
type chain struct{}

func (chain) BlockLocator() []chainhash.Hash                                        { return nil } // nil: genesis only
func (chain) AddHeaders(hs []wire.BlockHeader) error                                { return nil }
func (chain) Tip() (wire.BlockHeader, int32)                                        { return chaincfg.MainNetParams.GenesisBlock.Header, 0 }
func (chain) HeadersAfter([]chainhash.Hash, chainhash.Hash, int) []wire.BlockHeader { return nil }

// An uplink gateway follows its node's headers and pushes a transaction
// that arrived by radio.
func ExampleClient() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, err := p2p.NewClient(p2p.ClientConfig{
		Params: &chaincfg.MainNetParams,
		Node:   "127.0.0.1:8333",
		Chain:  chain{},
		Logger: slog.Default(),
	})
	if err != nil {
		panic(err)
	}
	go client.Run(ctx) // connects, syncs headers, reconnects until ctx ends

	var tx wire.MsgTx // decoded from the radio frame
	res, err := client.SendTx(ctx, &tx)
	switch {
	case err != nil:
		fmt.Println("not pushed:", err) // queue full, invalid, or ctx ended
	case res.InMempool():
		fmt.Println("acknowledge over radio:", res.TxID)
	case res.Status == p2p.TxRejected:
		fmt.Printf("refused by the node: %v %s\n", res.Code, res.Reason)
	default:
		fmt.Println("no verdict; retry later:", res.TxID)
	}
}

// An off-grid receiver lets its local node connect and tells it about each
// new tip the radio brings.
func ExampleServer() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := p2p.NewServer(p2p.ServerConfig{Params: &chaincfg.MainNetParams, Headers: chain{}})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:8334") // the node: addnode=127.0.0.1:8334
	if err != nil {
		panic(err)
	}
	go srv.Serve(ctx, ln)
	// ... whenever the radio chain's best tip changes:
	srv.Announce()
}
