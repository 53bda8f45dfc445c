package sx127xsim

import (
	"fmt"
	"time"

	"github.com/altnet/altnet/radio/medium"
)

// settings are the modem registers decoded, as the chip takes them at the
// start of TX, RX or CAD.
type settings struct {
	frf            uint32
	bw, cr, sf     uint8 // raw register codes
	implicit       bool
	crc            bool
	preamble       int
	payloadLength  int
	ldro           bool
	syncWord       byte
	invertIQ       bool
	lowFrequency   bool
	detectOptimize byte
	detectThresh   byte
}

// settings decodes the modem registers. Called with c.mu held.
func (c *Chip) settings() settings {
	r := &c.regs
	return settings{
		frf:            uint32(r[regFrfMsb])<<16 | uint32(r[regFrfMid])<<8 | uint32(r[regFrfLsb]),
		bw:             r[regModemConfig1] >> 4,
		cr:             r[regModemConfig1] >> 1 & 0x07,
		implicit:       r[regModemConfig1]&0x01 != 0,
		sf:             r[regModemConfig2] >> 4,
		crc:            r[regModemConfig2]&0x04 != 0,
		preamble:       int(r[regPreambleMsb])<<8 | int(r[regPreambleLsb]),
		payloadLength:  int(r[regPayloadLength]),
		ldro:           r[regModemConfig3]&0x08 != 0,
		syncWord:       r[regSyncWord],
		invertIQ:       r[regInvertIQ]&0x40 != 0,
		lowFrequency:   r[regOpMode]&opLowFrequency != 0,
		detectOptimize: r[regDetectOptimize] & 0x07,
		detectThresh:   r[regDetectionThresh],
	}
}

// hertz returns the carrier frequency: Frf * 32 MHz / 2^19 (section
// 4.1.4), rounded to the hertz.
func (s settings) hertz() int64 {
	return (int64(s.frf)*32_000_000 + 1<<18) >> 19
}

// valid reports whether the codes are ones the datasheet defines.
func (s settings) valid() bool {
	return int(s.bw) < len(bandwidthDivider) && s.cr >= 1 && s.cr <= 4 && s.sf >= 6 && s.sf <= 12
}

// symbolNanos returns the symbol time 2^SF / BW in nanoseconds (exact:
// 2^SF * divider / 32 MHz).
func (s settings) symbolNanos() uint64 {
	if !s.valid() {
		return 0
	}
	return (uint64(1) << s.sf) * bandwidthDivider[s.bw] * 125 / 4
}

func (s settings) symbolTime() time.Duration { return time.Duration(s.symbolNanos()) }

// timeOnAir returns the time on air of n payload bytes (section 4.1.1.7):
// (Npreamble + 4.25) symbols, plus 8 + max(ceil((8PL - 4SF + 28 + 16CRC -
// 20IH) / (4(SF - 2DE))) (CR + 4), 0) symbols.
func (s settings) timeOnAir(n int) time.Duration {
	if !s.valid() {
		return 0
	}
	sf := int(s.sf)
	bits := 8*n - 4*sf + 28
	if s.crc {
		bits += 16
	}
	if s.implicit {
		bits -= 20
	}
	per := 4 * sf
	if s.ldro {
		per -= 8
	}
	symbols := 8
	if bits > 0 {
		symbols += (bits + per - 1) / per * (int(s.cr) + 4)
	}
	quarters := uint64(4*s.preamble + 17 + 4*symbols)
	return time.Duration(quarters * s.symbolNanos() / 4)
}

// highFrequencyPort reports whether the frequency uses the RFI_HF/RFO_HF
// port (band 1, above 525 MHz).
func (s settings) highFrequencyPort() bool { return s.hertz() > 525_000_000 }

// channel returns the medium channel: the frequency and everything both
// ends must share to hear each other. An explicit header carries the coding
// rate, the length and the CRC flag, so only implicit mode adds them.
func (s settings) channel() medium.Channel {
	key := fmt.Sprintf("lora sf%d bw%d sync0x%02x iq%t ldro%t", s.sf, s.bw, s.syncWord, s.invertIQ, s.ldro)
	if s.implicit {
		key += fmt.Sprintf(" implicit cr%d len%d crc%t", s.cr, s.payloadLength, s.crc)
	} else {
		key += " explicit"
	}
	return medium.Channel{Frequency: s.hertz(), Modulation: key}
}

// checkSettings records the datasheet's rules on the settings in force when
// mode m starts. Called with c.mu held.
func (c *Chip) checkSettings(s settings, m int) {
	name := modeNames[m]
	if !s.valid() {
		c.violateLocked("reserved-code", "%s with reserved codes: Bw %d, CodingRate %d, SpreadingFactor %d", name, s.bw, s.cr, s.sf)
		return
	}
	if s.sf == 6 && !s.implicit {
		c.violateLocked("sf6-explicit", "%s at SF6 with an explicit header; SF6 works only in implicit header mode", name)
	}
	wantOpt, wantThresh := byte(0x03), byte(0x0A)
	if s.sf == 6 {
		wantOpt, wantThresh = 0x05, 0x0C
	}
	if s.detectOptimize != wantOpt || s.detectThresh != wantThresh {
		c.violateLocked("detection-optimize", "%s at SF%d with DetectionOptimize %#x, DetectionThreshold %#x; want %#x, %#x",
			name, s.sf, s.detectOptimize, s.detectThresh, wantOpt, wantThresh)
	}
	if !s.ldro && s.symbolNanos() >= 16_000_000 {
		c.violateLocked("ldro-mandated", "%s with a %v symbol and LowDataRateOptimize off", name, s.symbolTime())
	}
	if m == modeTX && s.implicit && s.payloadLength == 0 {
		c.violateLocked("payload-length-zero", "TX with RegPayloadLength = 0")
	}
	c.checkBand(s, name)
}

// checkBand records settings outside the variant's bands. Called with
// c.mu held.
func (c *Chip) checkBand(s settings, name string) {
	v, hz := c.opts.Variant, s.hertz()
	if s.sf > v.maxSF() {
		c.violateLocked("variant", "%s at SF%d; the %v supports SF6 to SF%d", name, s.sf, v, v.maxSF())
	}
	if hz < 137_000_000 || hz > v.maxHz() {
		c.violateLocked("variant", "%s at %d Hz, outside the %v's 137-%d MHz", name, hz, v, v.maxHz()/1e6)
	}
	if hz < 175_000_000 && s.bw >= 8 {
		c.violateLocked("low-band-bandwidth", "%s at %d Hz with Bw code %d: 250 and 500 kHz are not supported in the 169 MHz band", name, hz, s.bw)
	}
	if s.lowFrequency == s.highFrequencyPort() {
		c.violateLocked("low-frequency-mode", "%s at %d Hz with LowFrequencyModeOn=%t", name, hz, s.lowFrequency)
	}
	if name == "TX" && c.regs[regPaConfig]&0x80 == 0 && c.regs[regPaDac]&0x07 == 0x07 {
		c.violateLocked("pa-dac-rfo", "TX on RFO with PaDac 0x%02X; high-power settings must be off when using the RFO PA", c.regs[regPaDac])
	}
}
