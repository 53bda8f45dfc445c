package headers

import (
	"encoding/binary"
	"math/bits"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// chunkShift sets the size of the chunks the in-memory chain is kept in:
// growing never copies what is already there, so a million headers never
// need two copies of their hashes at once.
const chunkShift = 14

// chunked is an append-only array in fixed-size chunks. Only the last
// chunk grows by appending (so a small chain stays small); full chunks
// never move.
type chunked[T any] struct {
	chunks [][]T
	n      int
}

func (c *chunked[T]) len() int { return c.n }

func (c *chunked[T]) at(i int) *T {
	return &c.chunks[i>>chunkShift][i&(1<<chunkShift-1)]
}

func (c *chunked[T]) push(v T) {
	if c.n>>chunkShift == len(c.chunks) {
		// The first chunk starts small; later ones are needed in full.
		size := 1 << chunkShift
		if len(c.chunks) == 0 {
			size = 64
		}
		c.chunks = append(c.chunks, make([]T, 0, size))
	}
	last := &c.chunks[len(c.chunks)-1]
	if len(*last) == cap(*last) {
		grown := make([]T, len(*last), min(2*cap(*last), 1<<chunkShift))
		copy(grown, *last)
		*last = grown
	}
	*last = append(*last, v)
	c.n++
}

// truncate keeps the first n elements and frees the chunks past them.
func (c *chunked[T]) truncate(n int) {
	c.n = n
	keep := (n + 1<<chunkShift - 1) >> chunkShift
	for i := keep; i < len(c.chunks); i++ {
		c.chunks[i] = nil
	}
	c.chunks = c.chunks[:keep]
	if keep > 0 {
		c.chunks[keep-1] = c.chunks[keep-1][:n-(keep-1)<<chunkShift]
	}
}

// hashIndex maps block hashes to positions in the chain (a position is the
// height above the store's base). It is an open-addressing table of 4-byte
// positions: the hash itself is not stored, a lookup compares against the
// chain's own hash array through keyOf/match. 4 to 8 bytes per header.
type hashIndex struct {
	slots []uint32 // position+1; 0 is empty
	n     int
	seed  uint64
	// keyOf returns the hash-table key of the header at a position.
	keyOf func(pos uint32) uint64
}

// hashKey mixes the first eight bytes of a block hash with a per-process
// seed, so that nobody can aim headers at one probe sequence.
func hashKey(seed uint64, h *[32]byte) uint64 {
	hi, lo := bits.Mul64(binary.LittleEndian.Uint64(h[0:8])^seed, 0x9e3779b97f4a7c15)
	return hi ^ lo
}

func (x *hashIndex) mask() uint64 { return uint64(len(x.slots) - 1) }

// insert adds pos under key.
func (x *hashIndex) insert(key uint64, pos uint32) {
	if (x.n+1)*4 > len(x.slots)*3 {
		x.grow()
	}
	m := x.mask()
	i := key & m
	for x.slots[i] != 0 {
		i = (i + 1) & m
	}
	x.slots[i] = pos + 1
	x.n++
}

// find returns the position stored under key for which match is true.
func (x *hashIndex) find(key uint64, match func(pos uint32) bool) (uint32, bool) {
	if len(x.slots) == 0 {
		return 0, false
	}
	m := x.mask()
	for i := key & m; x.slots[i] != 0; i = (i + 1) & m {
		if p := x.slots[i] - 1; match(p) {
			return p, true
		}
	}
	return 0, false
}

// remove deletes pos (stored under key), shifting later entries of its
// probe run back so that lookups stay correct (Knuth's algorithm R).
func (x *hashIndex) remove(key uint64, pos uint32) {
	m := x.mask()
	i := key & m
	for x.slots[i] != pos+1 {
		if x.slots[i] == 0 {
			return
		}
		i = (i + 1) & m
	}
	j := i
	for {
		x.slots[i] = 0
		for {
			j = (j + 1) & m
			if x.slots[j] == 0 {
				x.n--
				return
			}
			k := x.keyOf(x.slots[j]-1) & m
			// Move slot j into the hole at i unless its home k lies
			// cyclically in (i, j].
			if (i <= j && (k <= i || k > j)) || (i > j && k <= i && k > j) {
				break
			}
		}
		x.slots[i] = x.slots[j]
		i = j
	}
}

func (x *hashIndex) grow() { x.resize(max(1024, 2*len(x.slots))) }

// reserve sizes the table for n entries at once (used when opening).
func (x *hashIndex) reserve(n int) {
	size := 1024
	for size*3 < n*4 {
		size *= 2
	}
	if size > len(x.slots) {
		x.resize(size)
	}
}

func (x *hashIndex) resize(size int) {
	old := x.slots
	x.slots = make([]uint32, size)
	m := x.mask()
	for _, v := range old {
		if v != 0 {
			i := x.keyOf(v-1) & m
			for x.slots[i] != 0 {
				i = (i + 1) & m
			}
			x.slots[i] = v
		}
	}
}

// indexer fills a hashIndex on another goroutine while the store is being
// opened, so that the hash table's cache misses stay off the critical path
// (hashing every header in order). It is handed full chunks, which never
// change again, and the last partial one at the end.
type indexer struct {
	jobs chan indexJob
	done chan struct{}
	sent int // positions handed over so far
}

type indexJob struct {
	base   int
	hashes []chainhash.Hash
}

// startIndexer starts filling x with the positions from sent on.
func startIndexer(x *hashIndex, sent int) *indexer {
	ix := &indexer{jobs: make(chan indexJob, 8), done: make(chan struct{}), sent: sent}
	go func() {
		defer close(ix.done)
		for j := range ix.jobs {
			for i := range j.hashes {
				x.insert(hashKey(x.seed, (*[32]byte)(&j.hashes[i])), uint32(j.base+i))
			}
		}
	}()
	return ix
}

// pushed is called after each push: a chunk that just filled up is handed
// over.
func (ix *indexer) pushed(c *chunked[chainhash.Hash]) {
	if c.n&(1<<chunkShift-1) == 0 {
		ix.flush(c)
	}
}

// flush hands over every position pushed since the last flush.
func (ix *indexer) flush(c *chunked[chainhash.Hash]) {
	for ix.sent < c.n {
		k := ix.sent >> chunkShift
		end := min(c.n, (k+1)<<chunkShift)
		ix.jobs <- indexJob{base: ix.sent, hashes: c.chunks[k][ix.sent-k<<chunkShift : end-k<<chunkShift]}
		ix.sent = end
	}
}

// finish hands over the rest and waits until the index is complete.
func (ix *indexer) finish(c *chunked[chainhash.Hash]) {
	ix.flush(c)
	close(ix.jobs)
	<-ix.done
}
