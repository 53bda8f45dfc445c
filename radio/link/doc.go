// Package link is AltNet's radio link protocol, version 1: the bytes that
// go on the air, whatever driver carries them.
//
// Every frame is self-describing: its first byte names the protocol
// version, the Bitcoin network and whether the frame is a whole message or
// a fragment, and its second byte names the message type, so a receiver
// that tunes in at any moment can decode the next frame it hears. Every
// frame ends with a CRC-32C check (truncated to 16 bits on fragments, whose
// reassembled message is checked again by a 32-bit SHA-256 message id).
//
// Messages longer than a driver's MTU are split into k equal data
// fragments; Reed-Solomon parity fragments (github.com/klauspost/reedsolomon,
// the systematic Vandermonde code over GF(2^8)) are added so that any k of
// the n fragments rebuild the message. How many are added is planned per
// driver from its expected loss and the delivery probability wanted
// (Redundancy), choosing the fragment count that costs the least airtime.
//
// A Receiver turns frames back into messages. Its reassembly state is
// bounded in count, bytes and age (Limits); when full it evicts by
// progress, so a flood of junk fragments cannot push out a message that
// has received more than one fragment, and it suppresses duplicates of
// messages it has already delivered.
//
// The format is specified byte by byte in docs/protocol.md; this package
// is its reference implementation. The link layer carries header and
// transaction bytes opaquely (the compress package owns those codecs):
// headers authenticate themselves by proof of work and transactions by
// their signatures. Nothing is encrypted, as the amateur bands require;
// the one key is optional: acknowledgements may carry a tag under a key a
// gateway shares with its senders (TxAck.Sign), which authenticates them
// and leaves them readable.
package link
