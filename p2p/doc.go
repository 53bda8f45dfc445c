// Package p2p is AltNet's bridge to a Bitcoin full node (Bitcoin Core or
// btcd) over the Bitcoin P2P protocol, version 70016, using
// github.com/btcsuite/btcd/wire for the message formats.
//
// # Client: a gateway's connection to its node
//
// A Client connects to one node and keeps the connection (reconnecting with
// a doubling backoff on its injected clock). It advertises NODE_WITNESS,
// sends sendheaders and feefilter only after verack, answers pings and pings
// in turn. It follows the node's best chain into a HeaderSink supplied by
// the caller: getheaders from the sink's locator (2,000 headers per reply,
// repeated until caught up), then the node's announcements (headers, or inv
// MSG_BLOCK followed by getheaders). The sink decides what the headers mean;
// a reorg simply arrives as headers that fork from the sink's chain.
//
// SendTx pushes a transaction (inv, the node's getdata, tx) and learns the
// outcome: a getdata for the txid right after the tx is answered from the
// node's mempool (TxAccepted) or with notfound (TxUnknown); btcd also sends
// reject (TxRejected, with code and reason). Bitcoin Core serves a
// transaction back only after its next announcement round to us, so a
// notfound from a /Satoshi: node is asked again, with growing pauses, for
// TxConfirmWindow. A transaction the node never requested and does not
// hold is sent unsolicited once (the node may have missed the inv).
// Transactions wait in a bounded queue while the node is unreachable.
//
// # Server: an off-grid receiver's node connects to it
//
// A Server accepts connections from a local node and serves a header chain
// learned by radio (HeaderSource): it answers getheaders and getblocks and
// announces new tips (headers to peers that sent sendheaders, inv MSG_BLOCK
// otherwise). It has headers only, so it cannot move a node's tip; see
// docs/p2p.md for what Bitcoin Core and btcd v0.24.2 do with such a peer.
//
// # Limits
//
// Every message is read with a per-command payload limit checked before the
// payload is allocated, and counts inside the payload are checked against
// its length before wire decodes it (MsgTx and var-strings would otherwise
// allocate from a hostile count). Commands the package does not use are
// discarded up to 64 KiB.
package p2p
