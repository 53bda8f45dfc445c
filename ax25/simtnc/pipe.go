package simtnc

import (
	"io"
	"net"
	"sync"
)

// pipeChunks is how many writes a pipe direction buffers.
const pipeChunks = 256

// pipeEnd is one end of an in-memory duplex byte stream built only on
// channels, so that goroutines blocked on it are durably blocked inside a
// testing/synctest bubble (a socket or pty would not be).
type pipeEnd struct {
	in, out chan []byte
	done    chan struct{} // closed when either end closes
	once    *sync.Once
	rbuf    []byte
}

// newPipe returns two connected ends.
func newPipe() (a, b *pipeEnd) {
	ab, ba := make(chan []byte, pipeChunks), make(chan []byte, pipeChunks)
	done, once := make(chan struct{}), new(sync.Once)
	return &pipeEnd{in: ba, out: ab, done: done, once: once},
		&pipeEnd{in: ab, out: ba, done: done, once: once}
}

// Read returns buffered data, or blocks until the peer writes or either
// end closes (io.EOF).
func (p *pipeEnd) Read(b []byte) (int, error) {
	if len(p.rbuf) == 0 {
		select {
		case p.rbuf = <-p.in:
		case <-p.done:
			return 0, io.EOF
		}
	}
	n := copy(b, p.rbuf)
	p.rbuf = p.rbuf[n:]
	return n, nil
}

// Write queues a copy of b for the peer, blocking while the peer's buffer
// is full.
func (p *pipeEnd) Write(b []byte) (int, error) {
	select {
	case <-p.done:
		return 0, net.ErrClosed
	default:
	}
	select {
	case p.out <- append([]byte(nil), b...):
		return len(b), nil
	case <-p.done:
		return 0, net.ErrClosed
	}
}

// tryWrite queues b without blocking and reports whether it did: a TNC
// drops what a host does not read, it does not stall the radio.
func (p *pipeEnd) tryWrite(b []byte) bool {
	select {
	case p.out <- b:
		return true
	default:
		return false
	}
}

// Close closes both ends. It is idempotent.
func (p *pipeEnd) Close() error {
	p.once.Do(func() { close(p.done) })
	return nil
}
