// Package compress holds the codecs AltNet uses on the air: block headers
// in two forms, and transactions. Every codec is lossless: decoding gives
// back the exact consensus serialization, so block hashes, txids and wtxids
// are unchanged. docs/compression.md specifies the formats bit by bit.
//
// # Header runs (form a)
//
// EncodeRun codes a run of consecutive headers for a receiver that already
// holds the chain before the run. The prev-hash of every header is the hash
// of the one before it, nBits is predicted (the chain's consensus rules for
// the first header, the predecessor's nBits or mainnet's retarget rule for
// the others), and the version, the time delta and the nonce are coded with
// an adaptive range coder whose statistics are counts over a window of the
// last MaxHistory headers. Those counts are a function of the chain alone,
// so the receiver rebuilds the same model; the encoder writes how many
// headers before the run (the history) the model may read. On Bitcoin
// mainnet in 2024, where BIP320 version rolling makes nVersion nearly random
// in 16 bits, a run costs about 38.9 bytes per header, all framing included.
//
// The codec consults the receiver's chain through the Chain interface. Its
// contract: for a run starting at height start with history k, encoder and
// decoder call Header(h) for h in [start-k, start-1] and ExpectedBits(start)
// once, and must get the same answers on both sides. A receiver whose chain
// differs there (for example on the other side of a reorg) decodes headers
// whose hashes differ from the sender's, which proof of work rejects;
// ReadRunInfo returns the start height and history before decoding, so a
// receiver can tell whether it holds what the run needs. EncodeRunBody and
// DecodeRunBody leave the prelude (start, count, history) to a caller that
// carries it itself. HeaderSlice implements Chain over headers in memory,
// with mainnet's retarget rule.
//
// # Standalone headers (form b)
//
// EncodeStandalone codes one header for a receiver that may hold nothing of
// the chain (a tip announcement to a newcomer): about 69 bytes instead of
// 80, mostly by leaving out the prev-hash's leading zero bits, which the
// header's own nBits bounds.
//
// # Transactions
//
// EncodeTx codes a transaction with nothing but itself: templates for the
// standard input and output kinds (P2PK, P2PKH, P2SH and multisig, P2WPKH,
// P2WSH, their P2SH-wrapped forms, taproot key and script paths, OP_RETURN,
// unknown witness versions, pay-to-anchor, coinbase), DER signatures as two
// 32-byte integers, public keys as x plus one bit, redeem scripts that the
// witness determines left out, amounts as decimal mantissa and exponent, and
// a range coder with fixed tables trained on mainnet blocks. A transaction
// that btcd's serializer does not reproduce byte for byte is coded
// literally, so encoding never fails on a valid transaction.
//
// # Bad input
//
// Decoders never panic, check every count and length against the input
// left and against MaxTxSize before allocating, accept exactly the bytes the
// encoder makes (no trailing bytes, no alternative encodings), and return a
// *FormatError carrying the offset and what was being decoded; its Err is
// one of ErrTruncated, ErrTrailing, ErrCorrupt, ErrTooLarge or
// ErrMissingContext.
package compress
