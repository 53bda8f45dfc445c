package btcdtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"

	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/rpcclient"
	"github.com/btcsuite/btcd/wire"
)

// RPC returns the node's JSON-RPC client (HTTP POST, no TLS) for calls the
// helpers below do not cover. It changes on Restart.
func (n *Node) RPC() *rpcclient.Client {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.rpc
}

// Generate mines count blocks to the node's mining address and returns their
// hashes, oldest first.
func (n *Node) Generate(count int) ([]chainhash.Hash, error) {
	hs, err := n.RPC().Generate(uint32(count))
	if err != nil {
		return nil, fmt.Errorf("btcdtest: generate %d: %w", count, err)
	}
	out := make([]chainhash.Hash, len(hs))
	for i, h := range hs {
		out[i] = *h
	}
	return out, nil
}

// BestBlock returns the hash and height of the node's tip.
func (n *Node) BestBlock() (chainhash.Hash, int32, error) {
	h, height, err := n.RPC().GetBestBlock()
	if err != nil {
		return chainhash.Hash{}, 0, fmt.Errorf("btcdtest: getbestblock: %w", err)
	}
	return *h, height, nil
}

// BlockHash returns the hash of the best chain's block at height.
func (n *Node) BlockHash(height int64) (chainhash.Hash, error) {
	h, err := n.RPC().GetBlockHash(height)
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("btcdtest: getblockhash %d: %w", height, err)
	}
	return *h, nil
}

// Header returns the header of block hash.
func (n *Node) Header(hash chainhash.Hash) (wire.BlockHeader, error) {
	h, err := n.RPC().GetBlockHeader(&hash)
	if err != nil {
		return wire.BlockHeader{}, fmt.Errorf("btcdtest: getblockheader %v: %w", hash, err)
	}
	return *h, nil
}

// RawMempool returns the txids in the node's mempool.
func (n *Node) RawMempool() ([]chainhash.Hash, error) {
	hs, err := n.RPC().GetRawMempool()
	if err != nil {
		return nil, fmt.Errorf("btcdtest: getrawmempool: %w", err)
	}
	out := make([]chainhash.Hash, len(hs))
	for i, h := range hs {
		out[i] = *h
	}
	return out, nil
}

// InMempool reports whether txid is in the node's mempool.
func (n *Node) InMempool(txid chainhash.Hash) (bool, error) {
	pool, err := n.RawMempool()
	if err != nil {
		return false, err
	}
	for _, h := range pool {
		if h == txid {
			return true, nil
		}
	}
	return false, nil
}

// InvalidateBlock marks block hash invalid, so the node's tip falls back to
// its parent (btcd v0.24.2 supports invalidateblock). Mining on top then
// makes a competing branch: a reorg.
func (n *Node) InvalidateBlock(hash chainhash.Hash) error {
	if err := n.RPC().InvalidateBlock(&hash); err != nil {
		return fmt.Errorf("btcdtest: invalidateblock %v: %w", hash, err)
	}
	return nil
}

// ConnectPeer asks the node to open a temporary outbound connection to addr
// (RPC "node connect ADDR temp").
func (n *Node) ConnectPeer(addr string) error {
	perm := "temp"
	if err := n.RPC().Node(btcjson.NConnect, addr, &perm); err != nil {
		return fmt.Errorf("btcdtest: node connect %s: %w", addr, err)
	}
	return nil
}

// PeerInfo returns the node's view of its peers (RPC getpeerinfo).
func (n *Node) PeerInfo() ([]btcjson.GetPeerInfoResult, error) {
	ps, err := n.RPC().GetPeerInfo()
	if err != nil {
		return nil, fmt.Errorf("btcdtest: getpeerinfo: %w", err)
	}
	return ps, nil
}

// ChainTips returns the node's known chain tips (RPC getchaintips).
func (n *Node) ChainTips() ([]*btcjson.GetChainTipsResult, error) {
	ts, err := n.RPC().GetChainTips()
	if err != nil {
		return nil, fmt.Errorf("btcdtest: getchaintips: %w", err)
	}
	return ts, nil
}

// Call makes a raw JSON-RPC call; params are marshalled to JSON.
func (n *Node) Call(method string, params ...any) (json.RawMessage, error) {
	raw := make([]json.RawMessage, len(params))
	for i, p := range params {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("btcdtest: %s param %d: %w", method, i, err)
		}
		raw[i] = b
	}
	res, err := n.RPC().RawRequest(method, raw)
	if err != nil {
		return nil, fmt.Errorf("btcdtest: %s: %w", method, err)
	}
	return res, nil
}

// Ctl runs btcctl against the node (with -C /dev/null, so no configuration
// file is read) and returns its trimmed standard output.
func (n *Node) Ctl(ctx context.Context, args ...string) (string, error) {
	base := []string{
		"-C", "/dev/null", "--regtest", "--notls",
		"--rpcserver=" + n.RPCAddr, "--rpcuser=" + RPCUser, "--rpcpass=" + RPCPass,
	}
	cmd := exec.CommandContext(ctx, n.tools.btcctl, append(base, args...)...)
	cmd.Env = append(nativeEnv(nil), "HOME="+n.Dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("btcdtest: btcctl %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// bestChainBlocks returns the blocks of the best chain above genesis, oldest
// first.
func (n *Node) bestChainBlocks() ([]*wire.MsgBlock, error) {
	_, height, err := n.BestBlock()
	if err != nil {
		return nil, err
	}
	blocks := make([]*wire.MsgBlock, 0, height)
	for h := int64(1); h <= int64(height); h++ {
		hash, err := n.BlockHash(h)
		if err != nil {
			return nil, err
		}
		b, err := n.RPC().GetBlock(&hash)
		if err != nil {
			return nil, fmt.Errorf("btcdtest: getblock %v: %w", hash, err)
		}
		blocks = append(blocks, b)
	}
	return blocks, nil
}

// replay submits blocks in order and checks that the last one is the tip.
func (n *Node) replay(blocks []*wire.MsgBlock) error {
	for i, b := range blocks {
		if err := n.RPC().SubmitBlock(btcutil.NewBlock(b), nil); err != nil {
			return fmt.Errorf("btcdtest: replay block %d: %w", i+1, err)
		}
	}
	if len(blocks) == 0 {
		return nil
	}
	tip, _, err := n.BestBlock()
	if err != nil {
		return err
	}
	if want := blocks[len(blocks)-1].BlockHash(); tip != want {
		return fmt.Errorf("btcdtest: replay ended at %v, want %v", tip, want)
	}
	return nil
}
