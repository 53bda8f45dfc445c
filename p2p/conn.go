package p2p

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/btcsuite/btcd/wire"
)

// peerConn is one framed P2P connection. Writes happen on the goroutine that
// owns the session; reads happen on a reader goroutine started after the
// handshake, which hands messages over through msgs.
type peerConn struct {
	nc           net.Conn
	magic        wire.BitcoinNet
	pver         uint32 // negotiated; set before the reader starts
	writeTimeout time.Duration
	log          *slog.Logger

	msgs      chan wire.Message // from the reader
	readErr   chan error        // the reader's last error (buffered, 1)
	done      chan struct{}     // closed by close
	closeOnce sync.Once
	wg        sync.WaitGroup
}

func newPeerConn(nc net.Conn, magic wire.BitcoinNet, writeTimeout time.Duration, log *slog.Logger) *peerConn {
	return &peerConn{
		nc:           nc,
		magic:        magic,
		pver:         wire.ProtocolVersion,
		writeTimeout: writeTimeout,
		log:          log,
		msgs:         make(chan wire.Message),
		readErr:      make(chan error, 1),
		done:         make(chan struct{}),
	}
}

// send writes msg with the witness encoding.
func (p *peerConn) send(msg wire.Message) error {
	return p.sendEnc(msg, wire.WitnessEncoding)
}

// sendEnc writes msg in one write, bounded by the write timeout.
func (p *peerConn) sendEnc(msg wire.Message, enc wire.MessageEncoding) error {
	b, err := encodeMessage(msg, p.magic, p.pver, enc)
	if err != nil {
		return fmt.Errorf("p2p: %w", err)
	}
	if err := p.nc.SetWriteDeadline(time.Now().Add(p.writeTimeout)); err != nil {
		return fmt.Errorf("p2p: send %s: %w", msg.Command(), err)
	}
	if _, err := p.nc.Write(b); err != nil {
		return fmt.Errorf("p2p: send %s: %w", msg.Command(), err)
	}
	p.log.Debug("p2p: sent", "cmd", msg.Command(), "bytes", len(b))
	return nil
}

// recv reads the next message this package decodes, skipping ignored
// commands. It is used during the handshake, before the reader starts.
func (p *peerConn) recv() (wire.Message, error) {
	for {
		msg, cmd, err := readMessage(p.nc, p.magic, p.pver)
		if err != nil {
			return nil, fmt.Errorf("p2p: read: %w", err)
		}
		if msg != nil {
			p.log.Debug("p2p: received", "cmd", cmd)
			return msg, nil
		}
		p.log.Debug("p2p: ignored", "cmd", cmd)
	}
}

// startReader starts the goroutine that feeds msgs until the connection
// fails or is closed; the failure then goes to readErr.
func (p *peerConn) startReader() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			msg, err := p.recv()
			if err != nil {
				p.readErr <- err
				return
			}
			select {
			case p.msgs <- msg:
			case <-p.done:
				return
			}
		}
	}()
}

// close closes the connection and waits for the reader. It is idempotent.
func (p *peerConn) close() {
	p.closeOnce.Do(func() {
		close(p.done)
		_ = p.nc.Close()
	})
	p.wg.Wait()
}

// setDeadline bounds all I/O until cleared with the zero time.
func (p *peerConn) setDeadline(t time.Time) error {
	if err := p.nc.SetDeadline(t); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("p2p: set deadline: %w", err)
	}
	return nil
}
