// Package radio is the boundary between AltNet and its transports: the
// Driver interface that every link (LoRa, AX.25 packet radio, and whatever
// comes next) implements, and the shared pieces no driver should write
// twice: state reporting and airtime accounting.
//
// It is the Go form of the AltNet proposal's CDriver: a driver has a name,
// capabilities (one-way or two-way, MTU, bit rate), an airtime budget, and
// moves opaque frames of at most MTU bytes. Everything above frames (the
// link protocol, fragmentation and FEC, scheduling) lives in subpackages and
// never needs to know which radio carries the bytes.
package radio
