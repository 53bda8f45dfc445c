package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"periph.io/x/conn/v3/physic"
)

// Radio types.
const (
	TypeLoRa       = "lora"        // an SX127x on SPI
	TypeKISSTCP    = "kiss-tcp"    // a KISS TNC over TCP (Direwolf)
	TypeKISSSerial = "kiss-serial" // a KISS TNC on a serial port
)

// Message kinds a radio can carry (traffic assignment).
const (
	CarryHeaders  = "headers"  // header runs (the carousel and new blocks)
	CarryTips     = "tips"     // tip announcements
	CarryTxs      = "txs"      // emergency transactions
	CarryAcks     = "acks"     // transaction acknowledgements
	CarryRequests = "requests" // header requests and their answers
)

var allCarry = []string{CarryHeaders, CarryTips, CarryTxs, CarryAcks, CarryRequests}

// Radio is one [[radio]] table: a driver and the traffic it carries.
type Radio struct {
	// Name identifies the radio in logs, status and `altnet tx send --via`.
	Name string `toml:"name"`
	// Type is lora, kiss-tcp or kiss-serial.
	Type string `toml:"type"`
	// Direction is two-way, transmit-only or receive-only.
	Direction string `toml:"direction"`
	// Carry lists the message kinds sent on this radio: headers, tips,
	// txs, acks, requests. Default: all of them.
	Carry []string `toml:"carry"`
	// Loss is the share of frames the link is expected to lose (0.2: one
	// in five), and Delivery the probability wanted that one transmission
	// of a message can be rebuilt. The link layer sends each message with
	// the least airtime that reaches Delivery at that Loss: repeated
	// copies of a message that fits one frame, or data fragments plus
	// forward error correction parity (docs/protocol.md, section 3.1).
	// Delivery 0 sends each message once, without parity. Defaults: loss
	// 0.2 and delivery 0.99 on one-way radios, where nothing is ever asked
	// again; loss 0.1 and delivery 0.9 on two-way ones, where
	// acknowledgements and header requests make up for the rest.
	Loss     float64 `toml:"loss"`
	Delivery float64 `toml:"delivery"`
	// Process runs the driver in a child process that holds only its
	// device; the core restarts it if it crashes or hangs.
	Process bool `toml:"process"`
	// Carousel is how many recent headers an uplink repeats on this radio
	// when it carries headers (default broadcast.carousel; 0: none on this
	// radio): a deep history on a fast or unrationed radio, a day on a
	// rationed one.
	Carousel int `toml:"carousel"`

	// LoRa settings.
	Board      string  `toml:"board"`       // a built-in board profile
	SPI        string  `toml:"spi"`         // or custom wiring: SPI port
	ChipSelect string  `toml:"chip_select"` // GPIO used as chip select
	Reset      string  `toml:"reset"`       // RESET GPIO
	DIO0       string  `toml:"dio0"`        // DIO0 GPIO
	DIO1       string  `toml:"dio1"`        // DIO1 GPIO
	Plan       string  `toml:"plan"`        // regional plan: eu868, us915, amateur-70cm
	Frequency  string  `toml:"frequency"`   // carrier, e.g. "869.525MHz"
	SF         int     `toml:"sf"`          // spreading factor 6..12
	Bandwidth  float64 `toml:"bandwidth"`   // kHz: 7.8 .. 500
	CodingRate string  `toml:"coding_rate"` // 4/5 .. 4/8
	Preamble   int     `toml:"preamble"`    // symbols
	SyncWord   int     `toml:"sync_word"`   // 0x12 private networks
	Power      int     `toml:"power"`       // dBm at the chip

	// KISS TNC settings.
	Address     string   `toml:"address"`     // kiss-tcp: host:port
	Device      string   `toml:"device"`      // kiss-serial: /dev/ttyUSB0
	Baud        int      `toml:"baud"`        // kiss-serial: port speed
	BitRate     int      `toml:"bit_rate"`    // on the air: 1200 or 9600
	Destination string   `toml:"destination"` // AX.25 destination callsign
	Via         []string `toml:"via"`         // digipeaters
	Paclen      int      `toml:"paclen"`      // largest information field
	TXDelay     Duration `toml:"txdelay"`     // keying delay sent to the TNC
	Persist     int      `toml:"persist"`     // p-persistence 0..255
	SlotTime    Duration `toml:"slot_time"`
	// Airtime caps the share of time this radio may transmit, as a
	// percentage over a rolling hour (an operator's limit; LoRa plans
	// carry their own legal limit as well).
	Airtime float64 `toml:"airtime"`
}

// fillDefaults sets the defaults of keys the file left out. set reports
// whether the file wrote a key (zero reports whether the field holds its
// zero value, for when that is not known): a key written as 0 keeps its 0,
// and is then validated like any other value.
func (r *Radio) fillDefaults(i int, set func(key string, zero bool) bool) {
	if r.Name == "" {
		r.Name = fmt.Sprintf("%s%d", strings.SplitN(r.Type, "-", 2)[0], i)
	}
	if r.Direction == "" {
		r.Direction = "two-way"
	}
	if r.Carry == nil {
		r.Carry = slices.Clone(allCarry)
	}
	r.defaultsFEC(set)
	switch r.Type {
	case TypeLoRa:
		r.defaultsLoRa(set)
	case TypeKISSTCP, TypeKISSSerial:
		r.defaultsKISS(set)
	}
}

func (r *Radio) defaultsLoRa(set func(string, bool) bool) {
	if r.Plan == "" {
		r.Plan = "eu868"
	}
	if r.Frequency == "" {
		r.Frequency = "869.525MHz"
	}
	if r.CodingRate == "" {
		r.CodingRate = "4/5"
	}
	defaultInt(&r.SF, 9, set("sf", r.SF == 0))
	defaultInt(&r.Preamble, 8, set("preamble", r.Preamble == 0))
	defaultInt(&r.SyncWord, 0x12, set("sync_word", r.SyncWord == 0))
	defaultInt(&r.Power, 14, set("power", r.Power == 0))
	if !set("bandwidth", r.Bandwidth == 0) {
		r.Bandwidth = 125
	}
}

// Defaults of loss and delivery, by direction.
const (
	DefaultLossOneWay     = 0.2
	DefaultDeliveryOneWay = 0.99
	DefaultLossTwoWay     = 0.1
	DefaultDeliveryTwoWay = 0.9
)

// defaultsFEC sets loss and delivery by the radio's direction.
func (r *Radio) defaultsFEC(set func(string, bool) bool) {
	loss, delivery := DefaultLossTwoWay, DefaultDeliveryTwoWay
	if r.Direction != "two-way" {
		loss, delivery = DefaultLossOneWay, DefaultDeliveryOneWay
	}
	if !set("loss", r.Loss == 0) {
		r.Loss = loss
	}
	if !set("delivery", r.Delivery == 0) {
		r.Delivery = delivery
	}
}

func (r *Radio) defaultsKISS(set func(string, bool) bool) {
	if r.Type == TypeKISSTCP && r.Address == "" {
		r.Address = "127.0.0.1:8001"
	}
	if r.Destination == "" {
		r.Destination = "ALTNET"
	}
	if r.Type == TypeKISSSerial {
		defaultInt(&r.Baud, 9600, set("baud", r.Baud == 0))
	}
	defaultInt(&r.BitRate, 1200, set("bit_rate", r.BitRate == 0))
	defaultInt(&r.Paclen, 256, set("paclen", r.Paclen == 0))
	defaultInt(&r.Persist, 63, set("persist", r.Persist == 0))
	if !set("txdelay", r.TXDelay.Duration == 0) {
		r.TXDelay.Duration = 300 * time.Millisecond
	}
	if !set("slot_time", r.SlotTime.Duration == 0) {
		r.SlotTime.Duration = 100 * time.Millisecond
	}
	if !set("airtime", r.Airtime == 0) {
		r.Airtime = 10
	}
}

// defaultInt sets *v to d unless the file set the key.
func defaultInt(v *int, d int, set bool) {
	if !set {
		*v = d
	}
}

// FrequencyHz parses Frequency.
func (r *Radio) FrequencyHz() (physic.Frequency, error) {
	var f physic.Frequency
	if err := f.Set(r.Frequency); err != nil {
		return 0, err
	}
	return f, nil
}
