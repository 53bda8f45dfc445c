// Package daemon runs the gateway a configuration file describes: the
// process behind `altnet run`.
//
// Run opens, in this order, the control socket (refusing to start when
// another daemon holds it), the header store under DATADIR/NETWORK/headers,
// the emergency transaction queue under DATADIR/NETWORK/txqueue, the P2P
// listener for a local node (node.listen), and every [[radio]] (in this
// process, or in a supervised child process when process = true). It then
// runs the gateway's roles over them with a P2P client of the full node
// (node.connect) until its context ends, and closes everything in reverse
// order. A failure at start names the configuration key it comes from.
//
// OpenDriver builds one radio's driver from its configuration section; the
// daemon uses it in process, and `altnet driver-child` uses it in the child
// process of a radio with process = true, so both build the same driver.
package daemon
