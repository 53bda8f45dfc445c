package btcdtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"

	"github.com/btcsuite/btcd/btcjson"
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

// bestChainBlocks returns the serialized blocks of the best chain above
// genesis, oldest first. It asks in two batched calls: the test binary may
// run under an emulator, where each RPC round trip costs milliseconds.
func (n *Node) bestChainBlocks() ([]string, error) {
	_, height, err := n.BestBlock()
	if err != nil {
		return nil, err
	}
	calls := make([][]any, height)
	for i := range calls {
		calls[i] = []any{i + 1}
	}
	hashes, err := n.batch("getblockhash", calls)
	if err != nil {
		return nil, err
	}
	for i, h := range hashes {
		calls[i] = []any{h, 0} // verbosity 0: the block in hex
	}
	return n.batch("getblock", calls)
}

// replay submits serialized blocks in order and checks that the last one
// is the tip.
func (n *Node) replay(blocks []string) error {
	if len(blocks) == 0 {
		return nil
	}
	calls := make([][]any, len(blocks))
	for i, b := range blocks {
		calls[i] = []any{b}
	}
	res, err := n.batch("submitblock", calls)
	if err != nil {
		return err
	}
	for i, r := range res {
		if r != "" {
			return fmt.Errorf("btcdtest: replay block %d: %s", i+1, r)
		}
	}
	tip, height, err := n.BestBlock()
	if err != nil {
		return err
	}
	if int(height) != len(blocks) {
		return fmt.Errorf("btcdtest: replay ended at %v, height %d, want %d", tip, height, len(blocks))
	}
	return nil
}

// rpcReply is one answer of a batched JSON-RPC call.
type rpcReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	ID int `json:"id"`
}

// batch makes one batched JSON-RPC request with a call of method per
// parameter list and returns the results as strings (empty for null), in
// order.
func (n *Node) batch(method string, params [][]any) ([]string, error) {
	reqs := make([]map[string]any, len(params))
	for i, p := range params {
		reqs[i] = map[string]any{"jsonrpc": "1.0", "id": i, "method": method, "params": p}
	}
	body, err := json.Marshal(reqs)
	if err != nil {
		return nil, fmt.Errorf("btcdtest: %s batch: %w", method, err)
	}
	replies, err := n.post(body)
	if err != nil {
		return nil, fmt.Errorf("btcdtest: %s batch: %w", method, err)
	}
	if len(replies) != len(params) {
		// A missing submitblock reply would otherwise read as success.
		return nil, fmt.Errorf("btcdtest: %s batch: %d replies to %d calls", method, len(replies), len(params))
	}
	out := make([]string, len(params))
	seen := make([]bool, len(params))
	for _, r := range replies {
		if r.ID < 0 || r.ID >= len(out) || seen[r.ID] {
			return nil, fmt.Errorf("btcdtest: %s batch: reply id %d out of range or repeated", method, r.ID)
		}
		seen[r.ID] = true
		if r.Error != nil {
			return nil, fmt.Errorf("btcdtest: %s %v: %d %s", method, params[r.ID], r.Error.Code, r.Error.Message)
		}
		var s string
		if len(r.Result) > 0 && string(r.Result) != "null" {
			if err := json.Unmarshal(r.Result, &s); err != nil {
				return nil, fmt.Errorf("btcdtest: %s result %s: %w", method, r.Result, err)
			}
		}
		out[r.ID] = s
	}
	return out, nil
}

func (n *Node) post(body []byte) ([]rpcReply, error) {
	req, err := http.NewRequest(http.MethodPost, "http://"+n.RPCAddr, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(RPCUser, RPCPass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, fmt.Errorf("HTTP %s: %s", resp.Status, b)
	}
	var replies []rpcReply
	if err := json.NewDecoder(resp.Body).Decode(&replies); err != nil {
		return nil, err
	}
	return replies, nil
}
