package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/altnet/altnet/control"
	"github.com/altnet/altnet/internal/btcdtest"
	"github.com/btcsuite/btcd/wire"
)

// TestRunEndToEnd runs two daemons as an operator would: an uplink that
// follows btcd A and a receiver-sender whose local node, btcd B, is cut
// off from A at height 435. Their KISS radios share a channel through a
// KISS TNC on 127.0.0.1; the uplink's driver runs in a child process.
// The receiver learns A's chain by radio and says the radio is ahead of
// its node; emergency transactions queued with `altnet tx send` reach A's
// mempool, or come back rejected with btcd's reason; a SIGKILLed driver
// child is restarted and the radio carries the next block; SIGTERM stops
// both daemons with exit status 0.
func TestRunEndToEnd(t *testing.T) {
	// B syncs A's first 435 blocks, then restarts without peers; A goes on
	// to 440 (segwit is active from 432).
	a := btcdtest.StartT(t, btcdtest.Options{})
	if _, err := a.Generate(435); err != nil {
		t.Fatal(err)
	}
	b := btcdtest.StartT(t, btcdtest.Options{})
	if err := b.ConnectPeer(a.P2PAddr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "btcd B did not sync from A", func() bool {
		_, h, err := b.BestBlock()
		return err == nil && h == 435
	})
	if err := b.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Generate(5); err != nil {
		t.Fatal(err)
	}
	hub := startHub(t)
	dir := shortDir(t)
	cp := filepath.Join(dir, "checkpoint.txt")
	regtestCheckpoint(t, a, 430, cp)
	radio := fmt.Sprintf("[[radio]]\nname = \"vhf\"\ntype = \"kiss-tcp\"\naddress = %q\nbit_rate = 9600\ntxdelay = \"0s\"\nairtime = 100\n", hub.ln.Addr())
	// The receiver's operator is told by a script; the uplink and the
	// sender share an acknowledgement key.
	events := filepath.Join(dir, "events")
	alert := filepath.Join(dir, "alert.sh")
	if err := os.WriteFile(alert, []byte("#!/bin/sh\necho \"$ALTNET_EVENT $ALTNET_RADIO_HEIGHT $ALTNET_NODE_HEIGHT\" >> "+events+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const ackKey = "end-to-end ack key"
	upPath, upSock := writeConfig(t, dir, "up", fmt.Sprintf(`callsign = "N0CALL-1"
[roles]
uplink = true
[node]
connect = %q
[chain]
checkpoint = %q
[tx]
max_delay = "1s"
ack_key = %q
%sprocess = true
`, a.P2PAddr, cp, ackKey, radio))
	rxPath, rxSock := writeConfig(t, dir, "rx", fmt.Sprintf(`callsign = "N0CALL-2"
[roles]
receiver = true
sender = true
[node]
connect = %q
listen = "127.0.0.1:0"
[chain]
checkpoint = %q
[tx]
ack_key = %q
[alert]
command = [%q]
%s`, b.P2PAddr, cp, ackKey, alert, radio))
	up, rx := startDaemon(t, upPath), startDaemon(t, rxPath)

	// The receiver hears A's chain over the radio; its node stays at 435.
	var st control.Status
	waitFor(t, time.Minute, "the receiver did not see the radio ahead of its node", func() bool {
		var err error
		st, err = status(rxSock)
		return err == nil && st.Chain.Height == 440 && st.Node.Height == 435 && st.RadioAhead
	})
	// B also connects to the receiver as to a peer.
	if err := b.ConnectPeer(st.Daemon.Listen); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "btcd B did not connect to the receiver's listener", func() bool {
		st, err := status(rxSock)
		return err == nil && len(st.Peers) == 1 && strings.Contains(st.Peers[0].UserAgent, "btcd")
	})
	out, _, code := altnet(t, "status", "--config", rxPath)
	words := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"RADIO AHEAD OF NODE", "radio tip height 440", "node tip height 435", "vhf kiss-tcp up two-way",
		"listening for a local node on " + st.Daemon.Listen + " (1 connected)", "local peer", "in daemon"} {
		if code != 0 || !strings.Contains(words, want) {
			t.Fatalf("altnet status (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
	if st, err := status(upSock); err != nil || st.Chain.Height != 440 || st.NodeLink == nil || !st.NodeLink.Connected || st.RadioAhead {
		t.Fatalf("uplink status %+v, %v", st, err)
	}
	checkTxs(t, a, rxPath)
	checkChildRestart(t, a, upSock, rxSock)
	var alerts []byte
	waitFor(t, time.Minute, "the alert command did not run", func() bool {
		alerts, _ = os.ReadFile(events)
		return len(alerts) > 0
	})
	var radioHeight, nodeHeight int
	if n, err := fmt.Sscanf(string(alerts), "radio-ahead %d %d\n", &radioHeight, &nodeHeight); n != 2 || err != nil ||
		radioHeight < 440 || nodeHeight != 435 || strings.Count(string(alerts), "\n") != 1 {
		t.Fatalf("the alert command saw %q, want one radio-ahead event with the radio at 440 or more and the node at 435", alerts)
	}
	if st, err := status(rxSock); err != nil || st.Counters.AcksHeard < 2 || st.Counters.AcksUnauthenticated != 0 {
		t.Fatalf("receiver-sender counters %+v, %v; want the tagged acknowledgements believed", st.Counters, err)
	}

	for _, d := range []*daemonProc{up, rx} {
		if log := d.out.String(); !strings.Contains(log, `msg="altnet: running"`) || strings.Count(log, "altnet: running") != 1 {
			t.Fatalf("no single start line in the log:\n%s", log)
		}
	}
	frames, bad := hub.frames()
	if len(bad) > 0 || frames["N0CALL-1"] == 0 || frames["N0CALL-2"] == 0 || len(frames) != 2 {
		t.Fatalf("frames on the channel by source %v, bad %v", frames, bad)
	}
	for _, d := range []*daemonProc{up, rx} {
		if code := d.stop(t); code != 0 {
			t.Fatalf("exit status %d after SIGTERM", code)
		}
	}
	for _, sock := range []string{upSock, rxSock} {
		if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("control socket %s left behind: %v", sock, err)
		}
	}
}

// checkTxs queues a good and a bad transaction with `altnet tx send` and
// follows them with `altnet tx status` until both are acknowledged.
func checkTxs(t *testing.T, a *btcdtest.Node, rxPath string) {
	good, err := a.SpendCoinbase(1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	spend2, err := a.SpendCoinbase(2, 1000)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := btcdtest.BreakSignature(spend2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range []*wire.MsgTx{good, bad} {
		out, stderr, code := altnet(t, "tx", "send", "--config", rxPath, rawHex(t, tx))
		if code != 0 || strings.TrimSpace(out) != tx.TxHash().String() {
			t.Fatalf("tx send: exit %d, %q %q", code, out, stderr)
		}
	}
	var txs []control.TxEntry
	waitFor(t, time.Minute, "transactions not acknowledged", func() bool {
		out, _, code := altnet(t, "tx", "status", "--config", rxPath, "--json")
		return code == 0 && json.Unmarshal([]byte(out), &txs) == nil && len(txs) == 2 && txs[0].State != "queued" && txs[1].State != "queued"
	})
	for _, e := range txs {
		switch e.TxID {
		case good.TxHash().String():
			if in, err := a.InMempool(good.TxHash()); e.State != "accepted" || !in || err != nil {
				t.Fatalf("good transaction %+v; in A's mempool %v %v", e, in, err)
			}
		case bad.TxHash().String():
			if e.State != "rejected" || e.Code != uint8(wire.RejectInvalid) {
				t.Fatalf("bad transaction %+v", e)
			}
		}
	}
	out, _, code := altnet(t, "tx", "status", "--config", rxPath, bad.TxHash().String()[:12])
	if code != 0 || !strings.Contains(out, "rejected by the node") || strings.Contains(out, good.TxHash().String()) {
		t.Fatalf("tx status of one transaction (exit %d):\n%s", code, out)
	}
}

// checkChildRestart kills the uplink's driver child and checks that it is
// restarted and that the radio then carries a new block.
func checkChildRestart(t *testing.T, a *btcdtest.Node, upSock, rxSock string) {
	st, err := status(upSock)
	if err != nil || len(st.Radios) != 1 || !st.Radios[0].Process || st.Radios[0].PID == 0 {
		t.Fatalf("uplink radios %+v, %v", st.Radios, err)
	}
	pid := st.Radios[0].PID
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "the driver child was not restarted", func() bool {
		st, err := status(upSock)
		return err == nil && st.Radios[0].Restarts >= 1 && st.Radios[0].PID != 0 && st.Radios[0].PID != pid &&
			st.Drivers[0].State == "up"
	})
	if _, err := a.Generate(1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "the receiver did not hear block 441 through the restarted child", func() bool {
		st, err := status(rxSock)
		return err == nil && st.Chain.Height == 441
	})
}
