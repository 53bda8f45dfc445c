package headers

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Params are the header rules of one network. The values come from btcd
// v0.24.2's chaincfg, copied so that nothing here can change btcd's
// package-level variables; testnet4, which that btcd lacks, is defined here
// from Bitcoin Core's chainparams and BIP94 (see TestNet4).
type Params struct {
	// Name is the network's name: mainnet, testnet3, testnet4, signet or
	// regtest.
	Name string
	// Net is the network's message-start magic.
	Net wire.BitcoinNet
	// Genesis is the network's first header, and GenesisHash its hash.
	Genesis     wire.BlockHeader
	GenesisHash chainhash.Hash
	// PowLimitBits is the easiest target a header may claim, as nBits.
	PowLimitBits uint32
	// NoRetargeting keeps the difficulty at PowLimitBits forever (regtest).
	NoRetargeting bool
	// ReduceMinDifficulty allows a header whose time is more than
	// MinDiffReductionTime after its parent's to use PowLimitBits (the
	// testnet "20-minute rule").
	ReduceMinDifficulty  bool
	MinDiffReductionTime time.Duration
	// RetargetInterval is the number of headers between difficulty
	// adjustments (2016) and TargetTimespan the time they should take.
	RetargetInterval int32
	TargetTimespan   time.Duration
	// RetargetFactor bounds one adjustment to a factor of 4 either way.
	RetargetFactor int64
	// BIP34Height, BIP66Height and BIP65Height are the heights from which
	// header versions below 2, 3 and 4 are rejected.
	BIP34Height, BIP66Height, BIP65Height int32
	// EnforceBIP94 turns on testnet4's rules: a retarget starts from the
	// nBits of the period's first header, and the first header of a period
	// may not be more than MaxTimewarp seconds older than its parent.
	EnforceBIP94 bool
	// Pins are the network's hard-coded (height, hash) checkpoints.
	Pins []Pin

	powLimit u256
}

// Pin is a hard-coded checkpoint: the header at Height must hash to Hash.
type Pin struct {
	Height int32
	Hash   chainhash.Hash
}

// MaxTimewarp is BIP94's bound, in seconds, on how far the first header of a
// retarget period may go back in time from its parent.
const MaxTimewarp = 600

// MaxFutureDrift is how far, in seconds, a header's time may be ahead of the
// caller's clock (Bitcoin Core's MAX_FUTURE_BLOCK_TIME).
const MaxFutureDrift = 2 * 60 * 60

// MedianTimeBlocks is the number of headers whose median a new header's time
// must exceed.
const MedianTimeBlocks = 11

// MainNet returns the rules of Bitcoin mainnet.
func MainNet() *Params { return fromChaincfg(&chaincfg.MainNetParams) }

// TestNet3 returns the rules of testnet3.
func TestNet3() *Params { return fromChaincfg(&chaincfg.TestNet3Params) }

// SigNet returns the rules of the default signet. Only the header rules are
// checked: the block signature of BIP325 lives in the coinbase, which a
// header-only node never sees.
func SigNet() *Params { return fromChaincfg(&chaincfg.SigNetParams) }

// RegTest returns the rules of regtest as btcd v0.24.2 has them (no
// retargeting; BIP34 never active; BIP66 at 1251 and BIP65 at 1351).
func RegTest() *Params { return fromChaincfg(&chaincfg.RegressionNetParams) }

// TestNet4 returns the rules of testnet4 (BIP94). btcd v0.24.2 has no
// testnet4, so these values are taken from Bitcoin Core's CTestNet4Params:
// the genesis header below hashes to Core's asserted genesis hash
// 00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043 (a test
// checks it), the proof-of-work limit and 20-minute rule are testnet3's, and
// BIP34, BIP65 and BIP66 are active from height 1.
func TestNet4() *Params {
	merkle, _ := chainhash.NewHashFromStr("7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e")
	p := fromChaincfg(&chaincfg.TestNet3Params)
	p.Name = "testnet4"
	p.Net = 0x283f161c
	p.Genesis = wire.BlockHeader{
		Version:    1,
		MerkleRoot: *merkle,
		Timestamp:  time.Unix(1714777860, 0),
		Bits:       0x1d00ffff,
		Nonce:      393743547,
	}
	p.GenesisHash = p.Genesis.BlockHash()
	p.BIP34Height, p.BIP65Height, p.BIP66Height = 1, 1, 1
	p.EnforceBIP94 = true
	p.Pins = nil
	return p
}

// Networks lists the names ParamsByName accepts.
func Networks() []string {
	return []string{"mainnet", "testnet3", "testnet4", "signet", "regtest"}
}

// ParamsByName returns the rules of the named network.
func ParamsByName(name string) (*Params, error) {
	switch name {
	case "mainnet":
		return MainNet(), nil
	case "testnet3":
		return TestNet3(), nil
	case "testnet4":
		return TestNet4(), nil
	case "signet":
		return SigNet(), nil
	case "regtest":
		return RegTest(), nil
	}
	return nil, fmt.Errorf("headers: unknown network %q (want one of %s)", name, strings.Join(Networks(), ", "))
}

// ParamsByNet returns the rules of the network with the given magic.
func ParamsByNet(net wire.BitcoinNet) (*Params, error) {
	for _, n := range Networks() {
		p, _ := ParamsByName(n)
		if p.Net == net {
			return p, nil
		}
	}
	return nil, fmt.Errorf("headers: unknown network magic %#08x", uint32(net))
}

func fromChaincfg(c *chaincfg.Params) *Params {
	p := &Params{
		Name:                 c.Name,
		Net:                  c.Net,
		Genesis:              c.GenesisBlock.Header,
		GenesisHash:          *c.GenesisHash,
		PowLimitBits:         c.PowLimitBits,
		NoRetargeting:        c.PoWNoRetargeting,
		ReduceMinDifficulty:  c.ReduceMinDifficulty,
		MinDiffReductionTime: c.MinDiffReductionTime,
		RetargetInterval:     int32(c.TargetTimespan / c.TargetTimePerBlock),
		TargetTimespan:       c.TargetTimespan,
		RetargetFactor:       c.RetargetAdjustmentFactor,
		BIP34Height:          c.BIP0034Height,
		BIP66Height:          c.BIP0066Height,
		BIP65Height:          c.BIP0065Height,
	}
	for _, cp := range c.Checkpoints {
		p.Pins = append(p.Pins, Pin{Height: cp.Height, Hash: *cp.Hash})
	}
	p.powLimit, _ = u256FromBig(c.PowLimit)
	return p
}

// PowLimit returns the easiest target a header may have, as a number.
func (p *Params) PowLimit() *big.Int { return p.powLimit.big() }

// minVersion is the lowest header version accepted at height.
func (p *Params) minVersion(height int32) int32 {
	v := int32(0)
	if height >= p.BIP34Height {
		v = 2
	}
	if height >= p.BIP66Height {
		v = max(v, 3)
	}
	if height >= p.BIP65Height {
		v = 4
	}
	return v
}
