package headers

import (
	"container/heap"
	"sort"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Result says what Add did.
type Result struct {
	// Known counts the leading headers that were already known.
	Known int
	// Added counts the new headers accepted, on the best chain or on a
	// side branch.
	Added int
	// Event is the change of the best chain, if there was one (it also
	// went to every subscriber).
	Event *Event
}

// Add checks a run of consecutive headers (each the parent of the next)
// whose first parent is known, and keeps the good ones: on the best chain
// when they extend it (stored with one fsync before Add returns), on a
// side branch otherwise, and switching the best chain to their branch when
// it has more work. Leading headers that are already known are skipped.
// When a header breaks a rule, the headers before it are kept and the
// returned error is a *RuleError naming the rule, height and hash.
func (c *Chain) Add(hs []wire.BlockHeader) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return Result{}, ErrClosed
	}
	if err := c.s.writable(); err != nil {
		return Result{}, err
	}
	hashes := make([]chainhash.Hash, len(hs))
	for i := range hs {
		hashes[i] = headerHash(&hs[i])
		if i > 0 && hs[i].PrevBlock != hashes[i-1] {
			// Keep what comes before the break, then report it.
			res, err := c.addRun(hs[:i], hashes[:i])
			if err == nil {
				err = ruleErr(ErrNotContinuous, -1, &hashes[i], "header %d of the run does not follow header %d", i, i-1)
			}
			return res, err
		}
	}
	return c.addRun(hs, hashes)
}

// addRun adds a continuous run (the caller holds c.mu).
func (c *Chain) addRun(hs []wire.BlockHeader, hashes []chainhash.Hash) (Result, error) {
	k := 0
	for k < len(hs) && c.known(&hashes[k]) {
		k++
	}
	res := Result{Known: k}
	if k == len(hs) {
		return res, nil
	}
	if hs[k].PrevBlock == c.s.tip.hash {
		return c.extend(hs[k:], hashes[k:], res)
	}
	return c.branch(hs[k:], hashes[k:], res)
}

// checkRun checks hs on top of st, advancing it, and returns how many
// passed and the first failure.
func (c *Chain) checkRun(st *vstate, hs []wire.BlockHeader, hashes []chainhash.Hash) (int, error) {
	now := c.now()
	for i := range hs {
		if err := c.s.r.connect(st, &hs[i], &hashes[i], now); err != nil {
			return i, err
		}
	}
	return len(hs), nil
}

// extend stores the good prefix of a run that starts on the tip.
func (c *Chain) extend(hs []wire.BlockHeader, hashes []chainhash.Hash, res Result) (Result, error) {
	st := c.s.tip
	n, err := c.checkRun(&st, hs, hashes)
	if n == 0 {
		return res, err
	}
	old := c.tipLocked()
	if werr := c.s.appendRun(hs[:n], hashes[:n]); werr != nil {
		return res, werr
	}
	res.Added = n
	ev := Event{Kind: EventTip, Tip: c.tipLocked(), OldTip: old, Connected: int32(n)}
	res.Event = &ev
	c.emit(ev)
	return res, err
}

// branch handles a run whose parent is a stored header below the tip or a
// side-branch header.
func (c *Chain) branch(hs []wire.BlockHeader, hashes []chainhash.Hash, res Result) (Result, error) {
	prev := hs[0].PrevBlock
	var parent *sideNode
	var fork int32
	var st vstate
	if h, ok := c.s.heightOf(&prev); ok {
		fork, st = h, c.s.stateAt(h)
	} else if n, ok := c.side[prev]; ok {
		parent, st = n, c.sideState(n)
		fork = n.forkHeight()
	} else {
		return res, ruleErr(ErrUnknownParent, -1, &hashes[0], "parent %s is not known", prev)
	}
	if pin := c.s.r.lastPin; fork < pin && pin <= c.s.tip.height {
		return res, ruleErr(ErrForkTooDeep, fork+1, &hashes[0], "forks the chain at %d, below the checkpoint at %d", fork, pin)
	}
	start := st
	n, err := c.checkRun(&st, hs, hashes)
	if n == 0 {
		return res, err
	}
	hs, hashes = hs[:n], hashes[:n]
	if st.work.cmp(c.s.tip.work) > 0 {
		if rerr := c.reorgTo(fork, parent, hs, hashes, &res); rerr != nil {
			return res, rerr
		}
		return res, err
	}
	if over := int(st.height-fork) - MaxBranchHeaders; over > 0 {
		keep := max(0, n-over)
		res.Added = c.addSide(parent, start, hs[:keep], hashes[:keep])
		return res, &BranchTooLongError{ForkHeight: fork, ForkHash: c.s.hashAt(fork), Length: st.height - fork}
	}
	res.Added = c.addSide(parent, start, hs, hashes)
	return res, err
}

// forkHeight is the height of the stored header a side branch leaves from.
func (n *sideNode) forkHeight() int32 {
	for n.parent != nil {
		n = n.parent
	}
	return n.height - 1
}

// addSide keeps checked headers on a side branch after parent (nil: a
// stored header), whose state is st, and returns how many are still kept
// after eviction.
func (c *Chain) addSide(parent *sideNode, st vstate, hs []wire.BlockHeader, hashes []chainhash.Hash) int {
	for i := range hs {
		c.s.r.advance(&st, &hs[i], &hashes[i])
		c.seq++
		n := &sideNode{hdr: hs[i], hash: hashes[i], height: st.height, work: st.work, parent: parent, seq: c.seq}
		c.side[n.hash] = n
		parent = n
	}
	c.evict()
	kept := 0
	for i := range hashes {
		if _, ok := c.side[hashes[i]]; ok {
			kept++
		}
	}
	return kept
}

// reorgTo makes the branch ending with hs (after the side branch that ends
// with parent, from the stored header at fork) the best chain.
func (c *Chain) reorgTo(fork int32, parent *sideNode, hs []wire.BlockHeader, hashes []chainhash.Hash, res *Result) error {
	var path []*sideNode
	for x := parent; x != nil; x = x.parent {
		path = append(path, x)
	}
	all := make([]wire.BlockHeader, 0, len(path)+len(hs))
	allHashes := make([]chainhash.Hash, 0, len(path)+len(hs))
	for i := len(path) - 1; i >= 0; i-- {
		all = append(all, path[i].hdr)
		allHashes = append(allHashes, path[i].hash)
	}
	all = append(all, hs...)
	allHashes = append(allHashes, hashes...)
	j, err := c.s.beginJournal(fork, journalTmp)
	if err != nil {
		return err
	}
	if err := j.add(all, allHashes); err != nil {
		j.abort()
		return err
	}
	ev, err := c.adopt(j)
	if err != nil {
		return err
	}
	res.Added = len(hs)
	res.Event = &ev
	return nil
}

// adopt commits a staged branch as the best chain, keeps the headers it
// displaces as a side branch (when there are not too many), and reports
// the reorganisation.
func (c *Chain) adopt(j *journal) (Event, error) {
	old := c.tipLocked()
	fork := j.hdr.forkHeight
	var displaced []wire.BlockHeader
	if old.Height-fork <= MaxBranchHeaders {
		for h := fork + 1; h <= old.Height; h++ {
			hdr, err := c.s.header(h)
			if err != nil {
				j.abort()
				return Event{}, err
			}
			displaced = append(displaced, hdr)
		}
	}
	if err := j.commit(); err != nil {
		return Event{}, err
	}
	for h := fork + 1; h <= c.s.tip.height; h++ {
		delete(c.side, c.s.hashAt(h))
	}
	hashes := make([]chainhash.Hash, len(displaced))
	for i := range displaced {
		hashes[i] = headerHash(&displaced[i])
	}
	c.addSide(nil, c.s.stateAt(fork), displaced, hashes)
	c.relink()
	ev := Event{Kind: EventReorg, Tip: c.tipLocked(), OldTip: old, Connected: c.s.tip.height - fork,
		ForkHeight: fork, ForkHash: c.s.hashAt(fork), Depth: old.Height - fork}
	c.emit(ev)
	return ev, nil
}

// relink repairs side-branch parent links after the best chain changed,
// and drops side headers whose parent is no longer known.
func (c *Chain) relink() {
	nodes := make([]*sideNode, 0, len(c.side))
	for _, n := range c.side {
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].height < nodes[j].height })
	for _, n := range nodes {
		if p, ok := c.side[n.hdr.PrevBlock]; ok {
			n.parent = p
		} else if _, ok := c.s.heightOf(&n.hdr.PrevBlock); ok {
			n.parent = nil
		} else {
			delete(c.side, n.hash)
		}
	}
}

// evict drops side branches, least work first, until at most
// MaxSideHeaders are left.
func (c *Chain) evict() {
	if len(c.side) <= MaxSideHeaders {
		return
	}
	children := make(map[*sideNode]int, len(c.side))
	for _, n := range c.side {
		if n.parent != nil {
			children[n.parent]++
		}
	}
	var leaves nodeHeap
	for _, n := range c.side {
		if children[n] == 0 {
			leaves = append(leaves, n)
		}
	}
	heap.Init(&leaves)
	for len(c.side) > MaxSideHeaders && leaves.Len() > 0 {
		n := heap.Pop(&leaves).(*sideNode)
		delete(c.side, n.hash)
		if p := n.parent; p != nil {
			if children[p]--; children[p] == 0 {
				heap.Push(&leaves, p)
			}
		}
	}
}

// nodeHeap orders side headers by work, then age.
type nodeHeap []*sideNode

func (h nodeHeap) Len() int { return len(h) }
func (h nodeHeap) Less(i, j int) bool {
	if c := h[i].work.cmp(h[j].work); c != 0 {
		return c < 0
	}
	return h[i].seq < h[j].seq
}
func (h nodeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *nodeHeap) Push(x any)   { *h = append(*h, x.(*sideNode)) }
func (h *nodeHeap) Pop() any {
	old := *h
	n := old[len(old)-1]
	*h = old[:len(old)-1]
	return n
}
