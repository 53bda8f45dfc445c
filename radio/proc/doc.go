// Package proc runs radio drivers in child processes and supervises them,
// so that a driver bug (or remote code execution through a device) is
// contained by the kernel instead of taking the node down.
//
// A child is the same binary re-executed with an internal subcommand (see
// `altnet driver-child`); it opens only the device its driver needs and
// calls Serve, which speaks a small framed protocol over its standard
// input and output. In the core, a Supervisor starts the child and is
// itself a radio.Driver, so the scheduler and the receive loop use it like
// any in-process driver. The Supervisor restarts a child that crashes, is
// killed, or hangs (it misses heartbeats, as a SIGSTOPped process does)
// with exponential backoff, reports each change as a state event, keeps
// the received-frame queue across restarts, and keeps its own copy of the
// duty-cycle ledger so that a restart never resets the airtime budget.
//
// Everything the core reads from a child is decoded as hostile input:
// bounded lengths, checked fields, and a child that breaks the protocol is
// killed and restarted.
package proc
