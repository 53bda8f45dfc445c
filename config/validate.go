package config

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/board"
	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/radio/link"
)

// keyError names the key a wrong value belongs to.
func keyError(key, format string, a ...any) error {
	return fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, a...))
}

// Validate checks every value and names the first wrong key.
func (c Config) Validate() error {
	switch c.Network {
	case "mainnet", "testnet3", "signet", "regtest":
	default:
		return keyError("network", "%q is not mainnet, testnet3, signet or regtest", c.Network)
	}
	if c.DataDir == "" {
		return keyError("datadir", "empty")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return keyError("log_level", "%q is not debug, info, warn or error", c.LogLevel)
	}
	if c.Callsign != "" && !validCallsign(c.Callsign) {
		return keyError("callsign", "%q is not a callsign (1-6 letters or digits, optional -SSID 0..15)", c.Callsign)
	}
	for _, a := range []struct{ key, addr string }{{"node.connect", c.Node.Connect}, {"node.listen", c.Node.Listen}} {
		if a.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return keyError(a.key, "%q is not host:port", a.addr)
		}
	}
	if c.Roles.Uplink && c.Node.Connect == "" {
		return keyError("node.connect", "the uplink role needs a full node to follow")
	}
	if c.Chain.Checkpoint == "" {
		return keyError("chain.checkpoint", "empty (use embedded, genesis or a file)")
	}
	if c.Broadcast.Carousel < 0 || c.Broadcast.Carousel > 100_000 {
		return keyError("broadcast.carousel", "%d not in 0..100000", c.Broadcast.Carousel)
	}
	if c.Broadcast.HeadersPerMessage < 1 || c.Broadcast.HeadersPerMessage > MaxHeadersPerMessage {
		return keyError("broadcast.headers_per_message", "%d not in 1..%d (a run must fit one link message)",
			c.Broadcast.HeadersPerMessage, MaxHeadersPerMessage)
	}
	if c.Tx.Repeat.Duration < link.DefaultLimits.DoneFor {
		return keyError("tx.repeat", "%v is shorter than the %v for which a gateway drops a repeat as a duplicate", c.Tx.Repeat.Duration, link.DefaultLimits.DoneFor)
	}
	if c.Tx.Attempts < 1 {
		return keyError("tx.attempts", "%d: must be at least 1", c.Tx.Attempts)
	}
	if c.Tx.MaxDelay.Duration < 0 {
		return keyError("tx.max_delay", "must not be negative")
	}
	if n := len(c.Tx.AckKey); n > 0 && n < MinAckKeyLen {
		return keyError("tx.ack_key", "%d bytes; use at least %d (a random string: tags can be attacked offline)", n, MinAckKeyLen)
	}
	if len(c.Alert.Command) > 0 && !strings.HasPrefix(c.Alert.Command[0], "/") {
		return keyError("alert.command", "%q is not an absolute path (the daemon does not search PATH)", c.Alert.Command[0])
	}
	names := map[string]bool{}
	for i, r := range c.Radios {
		if err := r.validate(i, c.Callsign); err != nil {
			return err
		}
		if names[r.Name] {
			return keyError(fmt.Sprintf("radio[%d].name", i), "%q used twice", r.Name)
		}
		names[r.Name] = true
	}
	if c.Roles.Sender && !c.canTransmit() {
		return keyError("roles.sender", "no radio can transmit the transactions (every radio is receive-only, or there is none)")
	}
	return nil
}

// canTransmit reports whether some radio can send.
func (c Config) canTransmit() bool {
	for _, r := range c.Radios {
		if r.Direction != "receive-only" {
			return true
		}
	}
	return false
}

func (r Radio) validate(i int, callsign string) error {
	key := func(k string) string { return fmt.Sprintf("radio[%d].%s", i, k) }
	switch r.Direction {
	case "two-way", "transmit-only", "receive-only":
	default:
		return keyError(key("direction"), "%q is not two-way, transmit-only or receive-only", r.Direction)
	}
	for _, k := range r.Carry {
		if !slices.Contains(allCarry, k) {
			return keyError(key("carry"), "%q is not one of %s", k, strings.Join(allCarry, ", "))
		}
	}
	if !(r.Loss >= 0 && r.Loss <= 0.9) { // NaN fails too
		return keyError(key("loss"), "%g not in 0..0.9", r.Loss)
	}
	if r.Carousel < 0 || r.Carousel > 100_000 {
		return keyError(key("carousel"), "%d not in 0..100000", r.Carousel)
	}
	if !(r.Delivery >= 0 && r.Delivery <= 0.9999) {
		return keyError(key("delivery"), "%g not in 0..0.9999 (0: send each message once, without parity)", r.Delivery)
	}
	switch r.Type {
	case TypeLoRa:
		return r.validateLoRa(key, callsign)
	case TypeKISSTCP, TypeKISSSerial:
		return r.validateKISS(key, callsign)
	case "":
		return keyError(key("type"), "missing (lora, kiss-tcp or kiss-serial)")
	}
	return keyError(key("type"), "%q is not lora, kiss-tcp or kiss-serial", r.Type)
}

func (r Radio) validateLoRa(key func(string) string, callsign string) error {
	if err := r.validatePlan(key, callsign); err != nil {
		return err
	}
	if r.Board != "" {
		if _, err := board.Lookup(r.Board); err != nil {
			return keyError(key("board"), "%v", err)
		}
	} else if r.SPI == "" || r.DIO0 == "" {
		return keyError(key("board"), "missing: name a board profile, or give spi and dio0 (and reset)")
	}
	if _, err := r.FrequencyHz(); err != nil {
		return keyError(key("frequency"), "%q: %v (write it like 869.525MHz)", r.Frequency, err)
	}
	if r.SF < 6 || r.SF > 12 {
		return keyError(key("sf"), "%d not in 6..12", r.SF)
	}
	if _, err := lora.BandwidthFromKHz(r.Bandwidth); err != nil {
		return keyError(key("bandwidth"), "%g kHz is not an SX127x bandwidth (7.8, 10.4, 15.6, 20.8, 31.25, 41.7, 62.5, 125, 250 or 500)", r.Bandwidth)
	}
	switch r.CodingRate {
	case "4/5", "4/6", "4/7", "4/8":
	default:
		return keyError(key("coding_rate"), "%q is not 4/5, 4/6, 4/7 or 4/8", r.CodingRate)
	}
	if r.Preamble < 6 || r.Preamble > 65535 {
		return keyError(key("preamble"), "%d not in 6..65535", r.Preamble)
	}
	if r.SyncWord < 0 || r.SyncWord > 0xff {
		return keyError(key("sync_word"), "%#x is not a byte", r.SyncWord)
	}
	if r.Power < 2 || r.Power > 20 {
		return keyError(key("power"), "%d dBm not in 2..20", r.Power)
	}
	return nil
}

// validatePlan checks the regional plan (one of lora.Plans), that the
// frequency lies in one of its sub-bands, and that a radio transmitting on
// an amateur band has the operator's callsign.
func (r Radio) validatePlan(key func(string) string, callsign string) error {
	p, err := lora.PlanByName(r.Plan)
	if err != nil {
		var names []string
		for _, p := range lora.Plans() {
			names = append(names, p.Name)
		}
		return keyError(key("plan"), "%q is not one of %s", r.Plan, strings.Join(names, ", "))
	}
	if f, err := r.FrequencyHz(); err == nil {
		if bw, err := lora.BandwidthFromKHz(r.Bandwidth); err == nil {
			if _, err := p.SubBandFor(f, bw); err != nil {
				return keyError(key("frequency"), "%s is outside plan %s: %v", r.Frequency, p.Name, err)
			}
		}
	}
	if p.Amateur && r.Direction != "receive-only" && callsign == "" {
		return keyError("callsign", "missing: radio %q transmits on an amateur band (plan %s) and must identify its operator", r.Name, r.Plan)
	}
	return nil
}

func (r Radio) validateKISS(key func(string) string, callsign string) error {
	if r.Type == TypeKISSTCP {
		if _, _, err := net.SplitHostPort(r.Address); err != nil {
			return keyError(key("address"), "%q is not host:port", r.Address)
		}
	} else if r.Device == "" {
		return keyError(key("device"), "missing (the TNC's serial port, e.g. /dev/ttyUSB0)")
	}
	if r.BitRate != 1200 && r.BitRate != 9600 {
		return keyError(key("bit_rate"), "%d is not 1200 or 9600", r.BitRate)
	}
	if r.Direction != "receive-only" && callsign == "" {
		return keyError("callsign", "missing: radio %q transmits on an amateur band and every frame must carry the operator's callsign", r.Name)
	}
	if !validCallsign(r.Destination) {
		return keyError(key("destination"), "%q is not a callsign", r.Destination)
	}
	for j, v := range r.Via {
		if !validCallsign(v) {
			return keyError(fmt.Sprintf("%s[%d]", key("via"), j), "%q is not a callsign", v)
		}
	}
	if len(r.Via) > 8 {
		return keyError(key("via"), "%d digipeaters; AX.25 allows at most 8", len(r.Via))
	}
	if r.Paclen < 32 || r.Paclen > 1024 {
		return keyError(key("paclen"), "%d not in 32..1024", r.Paclen)
	}
	if r.Persist < 0 || r.Persist > 255 {
		return keyError(key("persist"), "%d not in 0..255", r.Persist)
	}
	for _, d := range []struct {
		key string
		v   Duration
	}{{"txdelay", r.TXDelay}, {"slot_time", r.SlotTime}} {
		// KISS carries them in 10 ms units in one octet.
		if d.v.Duration < 0 || d.v.Duration > 2550*time.Millisecond {
			return keyError(key(d.key), "%v not in 0..2.55s", d.v.Duration)
		}
	}
	if !(r.Airtime > 0 && r.Airtime <= 100) { // NaN fails too
		return keyError(key("airtime"), "%g%% not in (0, 100]", r.Airtime)
	}
	return nil
}

// validCallsign accepts what an AX.25 address field can carry: 1-6
// letters or digits with an optional -SSID of 0..15, in either case.
func validCallsign(s string) bool {
	_, err := ax25.ParseAddress(s)
	return err == nil
}
