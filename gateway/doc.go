// Package gateway wires AltNet's parts into the roles a board plays
// (docs/roles.md):
//
//   - Uplink: the header chain follows a full node (over P2P, or the
//     simulator's node); every new tip goes out on the radios at once, and a
//     carousel repeats the recent headers on one-way links so receivers that
//     joined late or lost frames catch up without transmitting. Transactions
//     heard over radio are pushed into the node after a random delay and
//     acknowledged over two-way links. Header requests from two-way
//     receivers are answered.
//   - Receiver: header runs and tip announcements heard over radio are
//     decoded against the receiver's own chain, checked against the
//     consensus rules and stored; the receiver tells its local node (as a
//     P2P peer the node connects to) and its operator (a log line and the
//     status) when the radio sees more work than the node has. On two-way
//     links it asks for the headers it lacks.
//   - Sender: emergency transactions queued on flash are compressed and
//     sent with forward error correction, repeated until a gateway
//     acknowledges them or the operator's attempts are spent.
//
// One Gateway runs any mix of the three over one header chain, one
// traffic scheduler and one link receiver shared by all its radios. It
// logs nothing that ties a radio transaction to anything but the frame it
// came in (identityless broadcast).
package gateway
