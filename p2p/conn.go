package p2p

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/btcsuite/btcd/wire"
)

// sendQueueLen bounds the messages waiting to be written. A peer that
// leaves this many unread is not reading at all; the connection ends.
const sendQueueLen = 64

// errSendQueueFull ends a connection whose peer stopped reading.
var errSendQueueFull = errors.New("p2p: send queue full: peer not reading")

// peerConn is one framed P2P connection with a reader and a writer
// goroutine, so that the goroutine owning the session never blocks on the
// socket: it queues what it sends and takes what arrives from msgs. The
// first error of either goroutine goes to errs.
type peerConn struct {
	nc           net.Conn
	magic        wire.BitcoinNet
	pver         uint32 // negotiated; set before the reader starts
	writeTimeout time.Duration
	log          *slog.Logger

	out       chan []byte       // encoded messages for the writer
	msgs      chan wire.Message // from the reader
	errs      chan error        // reader's and writer's last errors (buffered, 2)
	done      chan struct{}     // closed by close
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// newPeerConn wraps nc and starts its writer.
func newPeerConn(nc net.Conn, magic wire.BitcoinNet, writeTimeout time.Duration, log *slog.Logger) *peerConn {
	p := &peerConn{
		nc:           nc,
		magic:        magic,
		pver:         wire.ProtocolVersion,
		writeTimeout: writeTimeout,
		log:          log,
		out:          make(chan []byte, sendQueueLen),
		msgs:         make(chan wire.Message),
		errs:         make(chan error, 2),
		done:         make(chan struct{}),
	}
	p.wg.Add(1)
	go p.writer()
	return p
}

// send queues msg with the witness encoding.
func (p *peerConn) send(msg wire.Message) error {
	return p.sendEnc(msg, wire.WitnessEncoding)
}

// sendEnc queues msg for the writer. It fails when the queue is full (the
// peer is not reading) or the connection is closed.
func (p *peerConn) sendEnc(msg wire.Message, enc wire.MessageEncoding) error {
	b, err := encodeMessage(msg, p.magic, p.pver, enc)
	if err != nil {
		return fmt.Errorf("p2p: %w", err)
	}
	select {
	case <-p.done:
		return fmt.Errorf("p2p: send %s: %w", msg.Command(), net.ErrClosed)
	default:
	}
	select {
	case p.out <- b:
		p.log.Debug("p2p: sent", "cmd", msg.Command(), "bytes", len(b))
		return nil
	default:
		return fmt.Errorf("%w (%s)", errSendQueueFull, msg.Command())
	}
}

// writer writes queued messages, one write each, bounded by the write
// timeout. On failure it closes the socket, which stops the reader too.
func (p *peerConn) writer() {
	defer p.wg.Done()
	for {
		select {
		case <-p.done:
			return
		case b := <-p.out:
			if err := p.write(b); err != nil {
				p.errs <- err
				_ = p.nc.Close()
				return
			}
		}
	}
}

func (p *peerConn) write(b []byte) error {
	if err := p.nc.SetWriteDeadline(time.Now().Add(p.writeTimeout)); err != nil {
		return fmt.Errorf("p2p: write: %w", err)
	}
	if _, err := p.nc.Write(b); err != nil {
		return fmt.Errorf("p2p: write: %w", err)
	}
	return nil
}

// recv reads the next message this package decodes, skipping ignored
// commands. The handshake calls it directly, before the reader starts.
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
// fails or is closed.
func (p *peerConn) startReader() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			msg, err := p.recv()
			if err != nil {
				p.errs <- err
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

// close closes the connection and waits for its goroutines. It is
// idempotent.
func (p *peerConn) close() {
	p.closeOnce.Do(func() {
		close(p.done)
		_ = p.nc.Close()
	})
	p.wg.Wait()
}

// setReadDeadline bounds reads until cleared with the zero time.
func (p *peerConn) setReadDeadline(t time.Time) error {
	if err := p.nc.SetReadDeadline(t); err != nil {
		return fmt.Errorf("p2p: set deadline: %w", err)
	}
	return nil
}

// sleep waits d on c, or returns ctx.Err() when ctx ends first. The timer is
// stopped either way.
func sleep(ctx context.Context, c clock.Clock, d time.Duration) error {
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.Chan():
		return nil
	}
}
