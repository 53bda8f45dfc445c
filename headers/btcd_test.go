package headers

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/altnet/altnet/internal/btcdtest"
	"github.com/altnet/altnet/p2p"
)

var (
	_ p2p.HeaderSink   = (*PeerView)(nil)
	_ p2p.HeaderSource = (*PeerView)(nil)
)

// TestBtcdRegtest syncs from a real btcd v0.24.2 in regtest through the
// P2P client: 1400 blocks, across btcd's BIP66 (1251) and BIP65 (1351)
// heights, then a reorganisation that btcd performs, and checks every
// header against btcd's.
func TestBtcdRegtest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	node := btcdtest.StartT(t, btcdtest.Options{})
	if _, err := node.Generate(1400); err != nil {
		t.Fatal(err)
	}
	c, err := Open(t.TempDir(), Options{Params: RegTest()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sub := c.Subscribe(64)
	client, err := p2p.NewClient(p2p.ClientConfig{
		Params: btcdtest.Params, Node: node.P2PAddr, Chain: c.PeerView(),
		Logger: slog.New(slog.DiscardHandler), MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- client.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("client: %v", err)
		}
	}()

	waitTip(t, node, c)
	for h := int32(1); h <= 1400; h += 97 {
		want, _ := node.BlockHash(int64(h))
		if got, err := c.Hash(h); err != nil || got != want {
			t.Fatalf("height %d: %s, btcd has %s (%v)", h, got, want, err)
		}
	}
	old, _, _ := node.BestBlock()
	if err := node.InvalidateBlock(old); err != nil {
		t.Fatal(err)
	}
	if _, err := node.Generate(2); err != nil {
		t.Fatal(err)
	}
	waitTip(t, node, c)
	for {
		ev := <-sub.Events()
		if ev.Kind == EventReorg {
			if ev.Depth != 1 || ev.OldTip.Hash != old || ev.Tip.Height != 1401 {
				t.Fatalf("reorg event %+v", ev)
			}
			break
		}
	}
}

// waitTip waits (a real process, so on the wall clock) until the chain's
// tip is btcd's.
func waitTip(t *testing.T, node *btcdtest.Node, c *Chain) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		want, height, err := node.BestBlock()
		if err != nil {
			t.Fatal(err)
		}
		if tip := c.Tip(); tip.Hash == want {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("chain at %d %s, btcd at %d %s", tip.Height, tip.Hash, height, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
