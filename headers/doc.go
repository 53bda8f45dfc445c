// Package headers keeps the best Bitcoin header chain without trusting
// anyone: every header is checked against the consensus rules, the chain
// with the most work wins, and the chain lives in a compact store on flash
// that survives a power cut at any byte.
//
// # Rules
//
// Params holds the rules of mainnet, testnet3, signet and regtest (from
// btcd v0.24.2's chaincfg) and testnet4 (BIP94, defined here). A header is
// checked for its parent, nBits (difficulty retargeting every 2016 headers
// with the 4x clamp, testnet's 20-minute rule), time (after the median of
// the previous 11, at most two hours ahead of the caller's clock), version
// (BIP34/66/65), proof of work and the hard-coded checkpoints. A header
// that breaks a rule gives a *RuleError with an ErrorCode, its height and
// its hash; errors.Is(err, ErrHighHash) and the like test for one rule.
//
// # Chain and store
//
// Open opens (or creates, at a Checkpoint) a store and returns a Chain.
// Add takes runs of headers: extending the best chain, building side
// branches, and switching to a branch with more work (a reorganisation of
// any depth above the checkpoint). Subscribe delivers the changes (new tip,
// reorganisation with fork point and depth) only after they are on flash,
// and never blocks the chain. A header is 46 bytes on flash, indexes
// included; a million headers open in well under a second and take about
// 44 MB of memory. docs/headers.md describes the format byte by byte and
// the recovery rule.
//
// # Sync
//
// Syncer runs forward sync from block locators with one source, checking
// branches longer than MaxBranchHeaders in presync before keeping them;
// ReverseSync walks back from an announced tip; HeadersAfter answers
// getheaders. RequiredBits, Header and Headers give a header codec what it
// may leave out. No input makes the chain hold more than the documented
// bounds (MaxBranchHeaders, MaxSideHeaders, MaxReverseHeaders,
// MaxPresyncHeaders).
package headers
