// Package btcdtest runs a real btcd v0.24.2 full node in regtest on
// 127.0.0.1 for tests, and gives them the helpers they need around it:
// mining, RPC calls, reorgs, stop and restart, and signed segwit
// transactions that spend the node's coinbases.
//
// btcd and btcctl are Go tool dependencies of the module (go.mod "tool"
// lines), so nothing beyond the go command is needed: the first Start in a
// test process asks "go tool -n btcd" for the cached executable, building it
// when the cache is cold, and every later Start reuses it. The executables
// are built for the machine running the tests even when the test binary
// itself is cross-compiled for linux/arm and runs under qemu-arm-static.
//
// Each Node has its own temporary data and log folders, free ports for P2P and
// RPC, a short ban duration (bans are per IP and every test shares
// 127.0.0.1), a 200 ms transaction trickle interval, and a mining address
// whose key the test knows (Node.Key). A Node is stopped by PID: an interrupt
// first, a kill when the node does not exit in time.
package btcdtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/rpcclient"
)

// Timeouts of the harness. They bound waits on a real process, so they are
// generous: a loaded CI machine is slow, but never this slow.
const (
	// StartTimeout bounds the wait for a started node's RPC server.
	StartTimeout = 30 * time.Second
	// StopTimeout is how long Stop waits after the interrupt before it kills.
	StopTimeout = 15 * time.Second
)

// Params are the chain parameters of every Node: Bitcoin's regression test
// network.
var Params = &chaincfg.RegressionNetParams

// Options adjust a Node. The zero value is a sensible default.
type Options struct {
	// BanDuration is btcd's --banduration (default 10 s).
	BanDuration time.Duration
	// Args are extra btcd command-line arguments, e.g. "--connect=HOST:PORT".
	Args []string
	// KeySeed derives the mining key (default "altnet btcdtest"); two nodes
	// with the same seed mine to the same address.
	KeySeed string
}

// Node is a running (or stopped) btcd process in regtest.
type Node struct {
	// P2PAddr is where peers connect to the node, 127.0.0.1:PORT. It
	// forwards to DirectP2PAddr and stays the same across Restart.
	P2PAddr string
	// DirectP2PAddr is btcd's own P2P listener. Connect to P2PAddr instead:
	// it refuses connections while Restart restores the chain.
	DirectP2PAddr string
	// RPCAddr is the node's JSON-RPC address, 127.0.0.1:PORT (no TLS).
	RPCAddr string
	// Dir holds the node's data, log and configuration files.
	Dir string
	// Key is the key of the node's mining address (P2WPKH).
	Key *Key

	opts  Options
	tools toolPaths
	gate  *gate

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has been reaped
	rpc     *rpcclient.Client
	stopped bool
	saved   []string // the serialized chain Halt kept for Resume
}

// Start builds btcd when needed, starts a node in a new temporary folder and
// waits until its RPC server answers. Call Close when done (or use StartT).
func Start(opts Options) (*Node, error) {
	tools, err := binaries()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "btcdtest-")
	if err != nil {
		return nil, fmt.Errorf("btcdtest: temp dir: %w", err)
	}
	if opts.BanDuration == 0 {
		opts.BanDuration = 10 * time.Second
	}
	if opts.KeySeed == "" {
		opts.KeySeed = "altnet btcdtest"
	}
	n := &Node{Dir: dir, Key: NewKey(opts.KeySeed), opts: opts, tools: tools}
	if n.P2PAddr, err = freeAddr(); err != nil {
		return nil, n.cleanupAfter(err)
	}
	if n.DirectP2PAddr, err = freeAddr(); err != nil {
		return nil, n.cleanupAfter(err)
	}
	if n.RPCAddr, err = freeAddr(); err != nil {
		return nil, n.cleanupAfter(err)
	}
	if err := os.WriteFile(n.configFile(), nil, 0o600); err != nil {
		return nil, n.cleanupAfter(fmt.Errorf("btcdtest: config file: %w", err))
	}
	if err := n.launch(); err != nil {
		return nil, n.cleanupAfter(err)
	}
	n.gate = newGate(n.P2PAddr, n.DirectP2PAddr)
	if err := n.gate.open(); err != nil {
		return nil, n.cleanupAfter(errors.Join(err, n.Stop()))
	}
	return n, nil
}

// StartT starts a node for one test and stops it when the test ends. It
// fails the test when the node does not start; after a failed test it logs
// the tail of the node's log.
func StartT(t testing.TB, opts Options) *Node {
	t.Helper()
	n, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("btcd log tail:\n%s", n.LogTail(40))
		}
		if err := n.Close(); err != nil {
			t.Error(err)
		}
	})
	return n
}

func (n *Node) cleanupAfter(err error) error {
	return errors.Join(err, os.RemoveAll(n.Dir))
}

func (n *Node) configFile() string { return filepath.Join(n.Dir, "btcd.conf") }

// LogFile is the path of btcd's log file.
func (n *Node) LogFile() string { return filepath.Join(n.Dir, "logs", "regtest", "btcd.log") }

// RPCUser and RPCPass are the node's RPC credentials.
const (
	RPCUser = "altnet"
	RPCPass = "altnet"
)

func (n *Node) args() []string {
	a := []string{
		"--regtest",
		"--configfile=" + n.configFile(),
		"--datadir=" + filepath.Join(n.Dir, "data"),
		"--logdir=" + filepath.Join(n.Dir, "logs"),
		"--listen=" + n.DirectP2PAddr,
		"--rpclisten=" + n.RPCAddr,
		"--rpcuser=" + RPCUser,
		"--rpcpass=" + RPCPass,
		"--notls",
		"--nodnsseed",
		"--nocfilters",
		"--trickleinterval=200ms",
		"--banduration=" + n.opts.BanDuration.String(),
		"--miningaddr=" + n.Key.Address.EncodeAddress(),
		"--debuglevel=PEER=debug,SRVR=debug,SYNC=debug,TXMP=debug",
	}
	return append(a, n.opts.Args...)
}

// launch starts the process and waits for its RPC server.
func (n *Node) launch() error {
	cmd := exec.Command(n.tools.btcd, n.args()...)
	// btcd creates ~/.btcd even when told where to keep its data: give it a
	// home of its own.
	cmd.Env = append(os.Environ(), "HOME="+n.Dir)
	out, err := os.OpenFile(filepath.Join(n.Dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("btcdtest: stdout file: %w", err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("btcdtest: start btcd: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		out.Close()
		close(exited)
	}()
	rpc, err := rpcclient.New(&rpcclient.ConnConfig{
		Host: n.RPCAddr, User: RPCUser, Pass: RPCPass,
		HTTPPostMode: true, DisableTLS: true,
	}, nil)
	if err != nil {
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("btcdtest: rpc client: %w", err)
	}
	n.mu.Lock()
	n.cmd, n.exited, n.rpc, n.stopped = cmd, exited, rpc, false
	n.mu.Unlock()
	if err := n.waitRPC(exited); err != nil {
		return errors.Join(err, n.Stop())
	}
	return nil
}

// waitRPC polls the RPC server until it answers, the process exits or
// StartTimeout passes.
func (n *Node) waitRPC(exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := n.rpc.GetBlockCount(); err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("btcdtest: btcd exited during start-up; log:\n%s", n.LogTail(20))
		case <-ctx.Done():
			return fmt.Errorf("btcdtest: btcd RPC did not answer within %v; log:\n%s", StartTimeout, n.LogTail(20))
		case <-tick.C:
		}
	}
}

// PID is the process id of the running node, or 0 when it is stopped.
func (n *Node) PID() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.stopped {
		return 0
	}
	return n.cmd.Process.Pid
}

// Stop stops the node by PID: SIGINT (btcd's graceful shutdown), then
// SIGKILL when it has not exited after StopTimeout. Stopping a stopped node
// does nothing.
func (n *Node) Stop() error {
	n.mu.Lock()
	cmd, exited, rpc, stopped := n.cmd, n.exited, n.rpc, n.stopped
	n.stopped = true
	n.mu.Unlock()
	if cmd == nil || stopped {
		return nil
	}
	rpc.Shutdown()
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
		return nil
	case <-time.After(StopTimeout):
	}
	_ = cmd.Process.Kill()
	<-exited
	return fmt.Errorf("btcdtest: btcd (pid %d) ignored SIGINT for %v and was killed", cmd.Process.Pid, StopTimeout)
}

// Restart stops the node and starts it again with the same data folder,
// ports, options and best chain: Halt, then Resume.
func (n *Node) Restart() error {
	if err := n.Halt(); err != nil {
		return err
	}
	return n.Resume()
}

// Halt stops the node's process (P2PAddr then refuses connections) and
// keeps its best chain for Resume.
//
// btcd v0.24.2 deletes a regtest database at every start (btcd.go,
// removeRegressionDB), so Halt saves the best chain's blocks and Resume
// submits them again (RPC submitblock) before P2PAddr accepts connections
// again. Peers see a node that was down and came back with its chain, as a
// node with a persistent database would. The mempool is lost, as on any
// btcd restart.
func (n *Node) Halt() error {
	blocks, err := n.bestChainBlocks()
	if err != nil {
		return err
	}
	n.gate.shut()
	if err := n.Stop(); err != nil {
		return err
	}
	n.mu.Lock()
	n.saved = blocks
	n.mu.Unlock()
	return nil
}

// Resume starts a halted node again on the same ports and data folder and
// restores the chain Halt saved.
func (n *Node) Resume() error {
	n.mu.Lock()
	blocks := n.saved
	n.saved = nil
	n.mu.Unlock()
	if err := n.launch(); err != nil {
		return err
	}
	if err := n.replay(blocks); err != nil {
		return err
	}
	return n.gate.open()
}

// Close stops the node and removes its folder.
func (n *Node) Close() error {
	if n.gate != nil {
		n.gate.shut()
	}
	return errors.Join(n.Stop(), os.RemoveAll(n.Dir))
}

// LogTail returns the last lines of btcd's log file (for failure reports).
func (n *Node) LogTail(lines int) string {
	f, err := os.Open(n.LogFile())
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	var ring []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		ring = append(ring, sc.Text())
		if len(ring) > lines {
			ring = ring[1:]
		}
	}
	out := ""
	for _, l := range ring {
		out += l + "\n"
	}
	return out
}

// freeAddr returns 127.0.0.1:PORT with a port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("btcdtest: find a free port: %w", err)
	}
	defer l.Close()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(l.Addr().(*net.TCPAddr).Port)), nil
}
