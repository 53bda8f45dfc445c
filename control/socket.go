package control

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxPathLen is the longest socket path the kernel takes: sun_path holds
// 108 bytes with the terminating NUL.
const MaxPathLen = 107

// ErrInUse is returned by Listen when another daemon holds the socket.
var ErrInUse = errors.New("another daemon holds the control socket")

// errLocked reports a lock file another process holds.
var errLocked = errors.New("control: lock held")

// Listener is the control socket of a running daemon. Its Close, which an
// http.Server calls, removes the socket; Release also gives up the lock.
type Listener struct {
	ln    net.Listener
	path  string
	lock  *os.File
	close sync.Once
	err   error
}

// Listen creates the control socket at path with mode 0660, creating its
// folder (mode 0750) when missing. It first takes an exclusive lock on
// path+".lock" and writes its process id there: when another process
// holds the lock, Listen fails with ErrInUse and that process's id. A
// socket file left by a daemon that died (nobody holds the lock, nobody
// answers on it) is removed; a path that is not a socket, or a socket that
// answers although nobody holds the lock, is left alone and refused.
func Listen(path string) (*Listener, error) {
	if len(path) > MaxPathLen {
		return nil, fmt.Errorf("control: socket path %q is %d bytes; a unix socket path has at most %d", path, len(path), MaxPathLen)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	if err := lockFile(lock); err != nil {
		pid := readPID(lock)
		lock.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("control: %s: %w (pid %s); stop it first", path, ErrInUse, pid)
		}
		return nil, fmt.Errorf("control: lock %s.lock: %w", path, err)
	}
	l, err := listenLocked(path, lock)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return l, nil
}

// listenLocked creates the socket once the lock is held.
func listenLocked(path string, lock *os.File) (*Listener, error) {
	if err := clearStale(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	// The socket is created with the umask's mode; whoever may write to
	// it may connect.
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control: %w", err)
	}
	if err := writePID(lock); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control: %s.lock: %w", path, err)
	}
	return &Listener{ln: ln, path: path, lock: lock}, nil
}

// clearStale removes a socket file that nobody serves.
func clearStale(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("control: %w", err)
	case fi.Mode().Type() != fs.ModeSocket:
		return fmt.Errorf("control: %s exists and is not a socket; move it away or choose another control path", path)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("control: %s: %w: a process that does not hold %s.lock answers on it", path, ErrInUse, filepath.Base(path))
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("control: remove stale socket: %w", err)
	}
	return nil
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// readPID returns the process id written in a lock file, or "unknown".
func readPID(f *os.File) string {
	b, _ := io.ReadAll(io.LimitReader(f, 32))
	s := strings.TrimSpace(string(b))
	if _, err := strconv.Atoi(s); err != nil {
		return "unknown"
	}
	return s
}

// Accept waits for the next connection.
func (l *Listener) Accept() (net.Conn, error) { return l.ln.Accept() }

// Addr returns the socket's address.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Path returns the socket's path.
func (l *Listener) Path() string { return l.path }

// Close stops accepting and removes the socket; the lock stays held until
// Release, so no other daemon starts while this one shuts down.
func (l *Listener) Close() error {
	l.close.Do(func() {
		l.err = l.ln.Close()
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) && l.err == nil {
			l.err = err
		}
	})
	return l.err
}

// Release closes the socket and gives up the lock. The lock file stays:
// removing it could let two daemons lock two different files.
func (l *Listener) Release() error {
	err := l.Close()
	if cerr := l.lock.Close(); err == nil {
		err = cerr
	}
	return err
}
