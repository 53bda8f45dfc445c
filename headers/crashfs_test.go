package headers

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// crashFS is an in-memory file system that loses power after a budget of
// work: every byte written costs one unit and every other change (sync,
// truncate, rename, remove, directory sync) one more. The write that
// exhausts the budget is torn. Afterwards afterCrash builds the disk a
// reboot would see: with keep, everything that was written reached the
// medium; without, only what was synced did (and only the names made
// durable by a directory sync).
type crashFS struct {
	mu      sync.Mutex
	names   map[string]*memNode
	durable map[string]*memNode // names as of the last SyncDir
	budget  int64               // < 0: unlimited
	used    int64
	crashed bool
}

type memNode struct {
	data   []byte
	synced []byte
}

var errPowerCut = errors.New("crashfs: power cut")

func newCrashFS(budget int64) *crashFS {
	return &crashFS{names: map[string]*memNode{}, durable: map[string]*memNode{}, budget: budget}
}

// spend takes n units and reports how many of them fit before the cut.
func (c *crashFS) spend(n int64) (int64, error) {
	if c.crashed {
		return 0, errPowerCut
	}
	if c.budget >= 0 && c.used+n > c.budget {
		fit := c.budget - c.used
		c.used = c.budget
		c.crashed = true
		return fit, errPowerCut
	}
	c.used += n
	return n, nil
}

func (c *crashFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name = filepath.Clean(name)
	n, ok := c.names[name]
	if !ok {
		if flag&os.O_CREATE == 0 {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		if _, err := c.spend(1); err != nil {
			return nil, err
		}
		n = &memNode{}
		c.names[name] = n
	}
	if flag&os.O_TRUNC != 0 {
		if _, err := c.spend(1); err != nil {
			return nil, err
		}
		n.data = nil
	}
	return &memFile{fs: c, n: n}, nil
}

func (c *crashFS) Rename(o, n string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, n = filepath.Clean(o), filepath.Clean(n)
	node, ok := c.names[o]
	if !ok {
		return &fs.PathError{Op: "rename", Path: o, Err: fs.ErrNotExist}
	}
	if _, err := c.spend(1); err != nil {
		return err
	}
	delete(c.names, o)
	c.names[n] = node
	return nil
}

func (c *crashFS) Remove(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	name = filepath.Clean(name)
	if _, ok := c.names[name]; !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	if _, err := c.spend(1); err != nil {
		return err
	}
	delete(c.names, name)
	return nil
}

func (c *crashFS) MkdirAll(string, os.FileMode) error { return nil }

func (c *crashFS) SyncDir(string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.spend(1); err != nil {
		return err
	}
	c.durable = map[string]*memNode{}
	for k, v := range c.names {
		c.durable[k] = v
	}
	return nil
}

// afterCrash returns the file system a reboot finds.
func (c *crashFS) afterCrash(keep bool) *crashFS {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := newCrashFS(-1)
	names := c.durable
	if keep {
		names = c.names
	}
	for k, v := range names {
		d := v.synced
		if keep {
			d = v.data
		}
		d = append([]byte(nil), d...)
		out.names[k] = &memNode{data: d, synced: append([]byte(nil), d...)}
		out.durable[k] = out.names[k]
	}
	return out
}

type memFile struct {
	fs *crashFS
	n  *memNode
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if off >= int64(len(f.n.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.n.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	fit, err := f.fs.spend(int64(len(p)))
	end := off + fit
	if end > int64(len(f.n.data)) {
		f.n.data = append(f.n.data, make([]byte, end-int64(len(f.n.data)))...)
	}
	copy(f.n.data[off:end], p[:fit])
	return int(fit), err
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if _, err := f.fs.spend(1); err != nil {
		return err
	}
	if size < int64(len(f.n.data)) {
		f.n.data = f.n.data[:size]
	} else {
		f.n.data = append(f.n.data, make([]byte, size-int64(len(f.n.data)))...)
	}
	return nil
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if _, err := f.fs.spend(1); err != nil {
		return err
	}
	f.n.synced = append([]byte(nil), f.n.data...)
	return nil
}

func (f *memFile) Size() (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return int64(len(f.n.data)), nil
}

func (f *memFile) Close() error { return nil }
func (f *memFile) Lock() error  { return nil }
