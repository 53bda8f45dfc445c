// Package ax25 holds AX.25 2.2 frames as amateur packet radio carries them:
// addresses with SSIDs and the command and has-been-repeated bits, UI frames
// with their protocol identifier, the frame check sequence (CRC-16/X.25),
// the TNC2 monitor text that Direwolf and the Linux tools print, and the
// HDLC timing model (flags, bit stuffing, TXDELAY, TXTAIL) that gives a
// frame's time on the air.
//
// Reference: AX.25 Link Access Protocol for Amateur Packet Radio, version
// 2.2 (TAPR, 1998), sections 3.12 (address field), 4.3.3.6 (UI frames) and
// 3.8 (FCS). The layouts are documented in docs/ax25.md.
//
// # Encoding
//
//	+----------+----------+-----------------+---------+-----+--------------+
//	| dest (7) | src (7)  | digis (0..8 x 7)| control | PID | info (0..N)  |
//	+----------+----------+-----------------+---------+-----+--------------+
//
// Each address is six callsign characters shifted left one bit (space
// padded) and one SSID octet "C/H R R S S S S X": bit 7 is the command bit
// (destination, source) or has-been-repeated bit (digipeaters), bits 6-5 are
// reserved (1 1), bits 4-1 are the SSID and bit 0 marks the last address.
// A UI frame has control 0x03 (0x13 with the poll bit). KISS carries frames
// without the FCS; HDLC on the air appends it.
//
// Subpackages hold KISS framing (kiss), the TNC driver (tnc) and the
// simulated TNC (simtnc).
package ax25
