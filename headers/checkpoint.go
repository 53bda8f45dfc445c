package headers

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/wire"
)

// Checkpoint is a header a store trusts without checking its ancestry: the
// store starts there instead of at genesis, so a receiver never needs the
// ~900,000 older mainnet headers. Everything after it is checked against the
// consensus rules.
type Checkpoint struct {
	// Height and Header are the trusted header and its height.
	Height int32
	Header wire.BlockHeader
	// Work is the chain work up to and including Header (genesis
	// included), as Bitcoin Core's getblockheader "chainwork" reports it.
	Work *big.Int
	// PeriodTime and PeriodBits are the time and nBits of the first header
	// of Header's retarget period (height Height - Height%2016). They are
	// needed for the first retarget after a checkpoint that is not itself a
	// period's first header; for one that is, they must equal Header's.
	PeriodTime uint32
	PeriodBits uint32
	// PrevTimes optionally holds the times of up to 10 headers just before
	// Header, oldest first, which makes the median-time-past rule exact for
	// the first ten headers after the checkpoint. Without them that rule
	// uses a lower bound of the median (see docs/headers.md).
	PrevTimes []uint32
}

// The default mainnet checkpoint: the header at height 878976 (the first of
// retarget period 436, mined 2025-01-12). Provenance, all checkable:
//   - the header is the line "878976 ..." of ../shared/data/
//     mainnet-headers-retarget-boundaries.txt, which holds it from bitcoinj's
//     checkpoint file (org.bitcoin.production.checkpoints.txt at commit
//     13e137ec1deefbc709d7a958906c56d89c084ba8);
//   - its chain work is the sum, over the 437 periods 0..436, of the headers
//     of each period times the work of that period's nBits (mainnet has no
//     minimum-difficulty headers, so every header of a period has the
//     period's nBits), read from the same file. The same computation at
//     height 822528 gives 0x624c5a3c876e3e6fffd9c800, exactly the chain work
//     bitcoinj's checkpoint file records there; a test repeats both when
//     the data folder is present.
const (
	mainnetCheckpointHeight = 878976
	mainnetCheckpointHeader = "0080cb2a84fa5fcdb3c448a0dc7f38c6a7e55f1261fcec2f0b6d000000000000" +
		"00000000a2282f81592e007e389fa35ed4a9f5559c2ebf12fa76b54f0316668d" +
		"cba6d961af1f8467618c02178c74d981"
	mainnetCheckpointWork = "a6e78db05939f5b7a956f47b"
)

// DefaultCheckpoint is where a new store of the network starts: for
// mainnet the embedded header at height 878976, elsewhere the genesis
// header.
func DefaultCheckpoint(p *Params) Checkpoint {
	if p.Net != wire.MainNet {
		return GenesisCheckpoint(p)
	}
	cp, err := ParseCheckpoint(fmt.Sprintf("%d:%s:%s", mainnetCheckpointHeight, mainnetCheckpointHeader, mainnetCheckpointWork))
	if err != nil {
		panic("headers: embedded mainnet checkpoint: " + err.Error()) // a test keeps this unreachable
	}
	return cp
}

// GenesisCheckpoint starts a store at the network's genesis header.
func GenesisCheckpoint(p *Params) Checkpoint {
	return Checkpoint{
		Height:     0,
		Header:     p.Genesis,
		Work:       newRules(p, nil).work(p.Genesis.Bits).big(),
		PeriodTime: uint32(p.Genesis.Timestamp.Unix()),
		PeriodBits: p.Genesis.Bits,
	}
}

// ParseCheckpoint reads a checkpoint written as
// HEIGHT:HEADER:WORK[:PERIODTIME:PERIODBITS], where HEADER is the 80-byte
// header in hex (as bitcoin-cli getblockheader HASH false prints it), WORK
// the chain work in hex (getblockheader's "chainwork"), and PERIODTIME and
// PERIODBITS (decimal Unix time, hex nBits) describe the first header of the
// checkpoint's retarget period. They may be left out when HEIGHT is a
// multiple of 2016 or the network never retargets. The result is not yet
// checked against a network: Open does that.
func ParseCheckpoint(s string) (Checkpoint, error) {
	f := strings.Split(strings.TrimSpace(s), ":")
	if len(f) != 3 && len(f) != 5 {
		return Checkpoint{}, fmt.Errorf("headers: checkpoint %q: want HEIGHT:HEADER:WORK[:PERIODTIME:PERIODBITS]", s)
	}
	var cp Checkpoint
	h, err := strconv.ParseInt(f[0], 10, 32)
	if err != nil || h < 0 {
		return Checkpoint{}, fmt.Errorf("headers: checkpoint height %q: not a height", f[0])
	}
	cp.Height = int32(h)
	raw, err := hex.DecodeString(f[1])
	if err != nil || len(raw) != wire.MaxBlockHeaderPayload {
		return Checkpoint{}, fmt.Errorf("headers: checkpoint header: want %d bytes in hex", wire.MaxBlockHeaderPayload)
	}
	if err := cp.Header.Deserialize(bytes.NewReader(raw)); err != nil {
		return Checkpoint{}, fmt.Errorf("headers: checkpoint header: %w", err)
	}
	w, ok := new(big.Int).SetString(strings.TrimPrefix(f[2], "0x"), 16)
	if !ok || w.Sign() <= 0 {
		return Checkpoint{}, fmt.Errorf("headers: checkpoint work %q: want a positive hex number", f[2])
	}
	cp.Work = w
	if len(f) == 5 {
		pt, err1 := strconv.ParseUint(f[3], 10, 32)
		pb, err2 := strconv.ParseUint(strings.TrimPrefix(f[4], "0x"), 16, 32)
		if err1 != nil || err2 != nil {
			return Checkpoint{}, fmt.Errorf("headers: checkpoint period %q:%q: want decimal time and hex nBits", f[3], f[4])
		}
		cp.PeriodTime, cp.PeriodBits = uint32(pt), uint32(pb)
	}
	return cp, nil
}

// String writes cp in the form ParseCheckpoint reads (PrevTimes are not
// part of it).
func (cp Checkpoint) String() string {
	var b bytes.Buffer
	_ = cp.Header.Serialize(&b)
	s := fmt.Sprintf("%d:%x:%x", cp.Height, b.Bytes(), cp.Work)
	if cp.PeriodBits != 0 {
		s += fmt.Sprintf(":%d:%08x", cp.PeriodTime, cp.PeriodBits)
	}
	return s
}

// normalize checks cp against the network's rules and fills in what can be
// derived: the period fields for a checkpoint at a period start or on a
// network that never retargets.
func (cp Checkpoint) normalize(p *Params) (Checkpoint, error) {
	hash := cp.Header.BlockHash()
	bad := func(format string, a ...any) (Checkpoint, error) {
		return Checkpoint{}, fmt.Errorf("headers: checkpoint %d %s: %s", cp.Height, hash, fmt.Sprintf(format, a...))
	}
	if cp.Height < 0 || cp.Work == nil || cp.Work.Sign() <= 0 || cp.Work.BitLen() > 256 {
		return bad("needs a height >= 0 and a positive chain work")
	}
	if cp.Height == 0 && hash != p.GenesisHash {
		return bad("height 0 is not the %s genesis %s", p.Name, p.GenesisHash)
	}
	r := newRules(p, nil)
	if err := r.checkPoW(&cp.Header, &hash, cp.Height); err != nil {
		return bad("%v", err)
	}
	if w, _ := u256FromBig(cp.Work); w.cmp(r.work(cp.Header.Bits)) < 0 {
		return bad("chain work %x is less than the header's own work", cp.Work)
	}
	if len(cp.PrevTimes) > MedianTimeBlocks-1 || len(cp.PrevTimes) > int(cp.Height) {
		return bad("%d previous times: at most 10 and at most the height", len(cp.PrevTimes))
	}
	if cp.Height%p.RetargetInterval == 0 || p.NoRetargeting {
		cp.PeriodTime, cp.PeriodBits = uint32(cp.Header.Timestamp.Unix()), cp.Header.Bits
		if p.NoRetargeting {
			cp.PeriodBits = p.PowLimitBits
		}
	} else if cp.PeriodBits == 0 {
		return bad("not the first header of a retarget period: give the period's first time and nBits")
	}
	cp.PrevTimes = append([]uint32(nil), cp.PrevTimes...)
	cp.Work = new(big.Int).Set(cp.Work)
	return cp, nil
}

// state is the validation state at the checkpoint.
func (cp Checkpoint) state() vstate {
	s := vstate{
		height:     cp.Height,
		hash:       cp.Header.BlockHash(),
		bits:       cp.Header.Bits,
		time:       uint32(cp.Header.Timestamp.Unix()),
		periodTime: cp.PeriodTime,
		periodBits: cp.PeriodBits,
		partial:    int(cp.Height) > len(cp.PrevTimes),
	}
	s.work, _ = u256FromBig(cp.Work)
	for _, t := range cp.PrevTimes {
		s.pushTime(t)
	}
	s.pushTime(s.time)
	return s
}

// WorkOf returns the chain work one header with nBits bits adds: the
// expected number of hashes to meet its target, 2^256 / (target+1). Bits
// that do not encode a positive target give zero.
func WorkOf(bits uint32) *big.Int {
	t, neg, over := compactTarget(bits)
	if neg || over || t.isZero() {
		return new(big.Int)
	}
	return workForTarget(t).big()
}
