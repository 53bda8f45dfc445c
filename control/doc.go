// Package control is the daemon's control API: HTTP/1.1 with JSON bodies
// over a unix socket (by default /run/altnet/control.sock), which
// `altnet status` and `altnet tx` use and other programs may too.
//
//	GET  /status  the gateway's state (Status)
//	GET  /txs     the emergency transaction queue ([]TxEntry)
//	POST /txs     queue a transaction: {"hex": "...", "via": "radio"} (TxEntry)
//
// Errors are JSON objects {"error": "..."} with a 4xx or 5xx status.
// docs/operations.md describes every field.
//
// The socket is created with mode 0660, so the daemon's user and group may
// use it, and removed when the daemon stops. Listen takes an exclusive
// lock on a file beside it first, so a second daemon refuses to start
// instead of stealing a running daemon's socket, while a socket file left
// by a daemon that died is recognised as stale and replaced.
package control
