package lora

import (
	"fmt"
	"time"
)

// SpreadingFactor is the LoRa spreading factor, 6 to 12: each symbol
// carries SF bits and lasts 2^SF chips.
type SpreadingFactor uint8

// Spreading factors supported by the SX1276/77/78/79.
const (
	SF6  SpreadingFactor = 6
	SF7  SpreadingFactor = 7
	SF8  SpreadingFactor = 8
	SF9  SpreadingFactor = 9
	SF10 SpreadingFactor = 10
	SF11 SpreadingFactor = 11
	SF12 SpreadingFactor = 12
)

// Valid reports whether the chip supports sf.
func (sf SpreadingFactor) Valid() bool { return sf >= SF6 && sf <= SF12 }

func (sf SpreadingFactor) String() string { return fmt.Sprintf("SF%d", uint8(sf)) }

// Bandwidth is a LoRa signal bandwidth. Its value is the RegModemConfig1 Bw
// code (datasheet table 16, bits 7-4), so the enum and the register can
// never disagree; Hertz gives the exact frequency.
type Bandwidth uint8

// Bandwidths of the SX1276/77/78/79, derived from the 32 MHz crystal.
const (
	BW7_8   Bandwidth = iota // 7.8125 kHz
	BW10_4                   // 10.4167 kHz
	BW15_6                   // 15.625 kHz
	BW20_8                   // 20.8333 kHz
	BW31_25                  // 31.25 kHz
	BW41_7                   // 41.6667 kHz
	BW62_5                   // 62.5 kHz
	BW125                    // 125 kHz
	BW250                    // 250 kHz
	BW500                    // 500 kHz
)

// bandwidths holds each bandwidth as an exact fraction num/den of hertz
// and its name, indexed by the register code.
var bandwidths = [...]struct {
	num, den uint64
	name     string
}{
	BW7_8:   {15625, 2, "7.8kHz"},
	BW10_4:  {62500, 6, "10.4kHz"},
	BW15_6:  {15625, 1, "15.6kHz"},
	BW20_8:  {62500, 3, "20.8kHz"},
	BW31_25: {31250, 1, "31.25kHz"},
	BW41_7:  {125000, 3, "41.7kHz"},
	BW62_5:  {62500, 1, "62.5kHz"},
	BW125:   {125000, 1, "125kHz"},
	BW250:   {250000, 1, "250kHz"},
	BW500:   {500000, 1, "500kHz"},
}

// Valid reports whether bw is one of the chip's bandwidths.
func (bw Bandwidth) Valid() bool { return int(bw) < len(bandwidths) }

// Hertz returns the bandwidth in hertz (rounded for the fractional ones).
func (bw Bandwidth) Hertz() float64 {
	if !bw.Valid() {
		return 0
	}
	b := bandwidths[bw]
	return float64(b.num) / float64(b.den)
}

func (bw Bandwidth) String() string {
	if !bw.Valid() {
		return fmt.Sprintf("Bandwidth(%d)", uint8(bw))
	}
	return bandwidths[bw].name
}

// BandwidthFromKHz returns the bandwidth whose nominal value in kHz (as
// written in datasheets and calculators: 7.8, 10.4, 15.6, 20.8, 31.25,
// 41.7, 62.5, 125, 250, 500) is khz.
func BandwidthFromKHz(khz float64) (Bandwidth, error) {
	for bw := range Bandwidth(len(bandwidths)) {
		if d := bw.Hertz()/1000 - khz; d > -0.06 && d < 0.06 {
			return bw, nil
		}
	}
	return 0, fmt.Errorf("lora: no bandwidth of %g kHz (want 7.8, 10.4, 15.6, 20.8, 31.25, 41.7, 62.5, 125, 250 or 500)", khz)
}

// CodingRate is the forward error correction rate 4/(4+n), n = 1..4; its
// value is n, which is also the RegModemConfig1 CodingRate code.
type CodingRate uint8

// Coding rates.
const (
	CR4_5 CodingRate = 1
	CR4_6 CodingRate = 2
	CR4_7 CodingRate = 3
	CR4_8 CodingRate = 4
)

// Valid reports whether cr is 4/5 to 4/8.
func (cr CodingRate) Valid() bool { return cr >= CR4_5 && cr <= CR4_8 }

func (cr CodingRate) String() string {
	if !cr.Valid() {
		return fmt.Sprintf("CodingRate(%d)", uint8(cr))
	}
	return fmt.Sprintf("4/%d", 4+uint8(cr))
}

// LDRO says how LowDataRateOptimize is chosen.
type LDRO uint8

// LowDataRateOptimize modes.
const (
	// LDROAuto switches it on when the symbol time reaches 16 ms, which the
	// datasheet mandates (SX1276 section 4.1.1.6).
	LDROAuto LDRO = iota
	LDROOn
	LDROOff
)

func (l LDRO) String() string {
	switch l {
	case LDROAuto:
		return "auto"
	case LDROOn:
		return "on"
	case LDROOff:
		return "off"
	}
	return fmt.Sprintf("LDRO(%d)", uint8(l))
}

// Modem is the set of LoRa modulation settings that both ends of a link
// must share and that decide a frame's time on air.
type Modem struct {
	SF         SpreadingFactor
	Bandwidth  Bandwidth
	CodingRate CodingRate
	// Preamble is the programmed preamble length in symbols (RegPreamble,
	// 6 to 65535); the chip adds 4.25 symbols.
	Preamble int
	// ImplicitHeader omits the explicit header; both ends must then agree
	// on the payload length. SF6 works only with an implicit header.
	ImplicitHeader bool
	// CRC appends a 16-bit payload CRC.
	CRC  bool
	LDRO LDRO
}

// LDRThreshold is the symbol time from which LowDataRateOptimize is
// mandatory.
const LDRThreshold = 16 * time.Millisecond

// Validate checks that the chip supports the settings.
func (m Modem) Validate() error {
	switch {
	case !m.SF.Valid():
		return fmt.Errorf("lora: spreading factor %d not in 6..12", uint8(m.SF))
	case !m.Bandwidth.Valid():
		return fmt.Errorf("lora: bandwidth code %d not in 0..9", uint8(m.Bandwidth))
	case !m.CodingRate.Valid():
		return fmt.Errorf("lora: coding rate code %d not in 1..4 (4/5..4/8)", uint8(m.CodingRate))
	case m.Preamble < 6 || m.Preamble > 65535:
		return fmt.Errorf("lora: preamble of %d symbols not in 6..65535", m.Preamble)
	case m.SF == SF6 && !m.ImplicitHeader:
		return fmt.Errorf("lora: SF6 needs an implicit header (SX1276 datasheet 4.1.1.2)")
	case m.LDRO > LDROOff:
		return fmt.Errorf("lora: unknown LowDataRateOptimize mode %d", uint8(m.LDRO))
	}
	return nil
}

// symbolNanos returns the symbol time as an exact fraction of
// nanoseconds: 2^SF / BW = 2^SF * den * 1e9 / num.
func (m Modem) symbolNanos() (num, den uint64) {
	b := bandwidths[m.Bandwidth]
	return (uint64(1) << m.SF) * b.den * 1e9, b.num
}

// SymbolTime returns the duration of one symbol, 2^SF/BW.
func (m Modem) SymbolTime() time.Duration {
	n, d := m.symbolNanos()
	return time.Duration(n / d)
}

// LowDataRateOptimize reports whether LowDataRateOptimize is on for these
// settings.
func (m Modem) LowDataRateOptimize() bool {
	switch m.LDRO {
	case LDROOn:
		return true
	case LDROOff:
		return false
	}
	n, d := m.symbolNanos()
	return n >= uint64(LDRThreshold)*d
}

// PayloadSymbols returns the number of symbols after the preamble for a
// payload of n bytes (SX1276 datasheet 4.1.1.7, Semtech AN1200.13):
//
//	8 + max(ceil((8n - 4SF + 28 + 16CRC - 20IH) / (4(SF - 2DE))) * (CR+4), 0)
func (m Modem) PayloadSymbols(n int) int {
	sf := int(m.SF)
	num := 8*n - 4*sf + 28
	if m.CRC {
		num += 16
	}
	if m.ImplicitHeader {
		num -= 20
	}
	den := 4 * sf
	if m.LowDataRateOptimize() {
		den = 4 * (sf - 2)
	}
	blocks := 0
	if num > 0 {
		blocks = (num + den - 1) / den
	}
	return 8 + blocks*(int(m.CodingRate)+4)
}

// Airtime returns the time on air of a frame with n payload bytes:
// (Preamble + 4.25) symbols plus PayloadSymbols(n), exact to the
// nanosecond for every bandwidth (the symbol time is a whole number of
// nanoseconds for all of them).
func (m Modem) Airtime(n int) time.Duration {
	quarters := uint64(4*m.Preamble + 17 + 4*m.PayloadSymbols(n))
	num, den := m.symbolNanos()
	return time.Duration(quarters * num / (4 * den))
}

func (m Modem) String() string {
	hdr := "explicit"
	if m.ImplicitHeader {
		hdr = "implicit"
	}
	crc := "crc"
	if !m.CRC {
		crc = "nocrc"
	}
	return fmt.Sprintf("%v/%v/CR%v/preamble %d/%s/%s/ldro %v", m.SF, m.Bandwidth, m.CodingRate, m.Preamble, hdr, crc, m.LDRO)
}
