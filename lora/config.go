package lora

import "periph.io/x/conn/v3/physic"

// config is the register image the driver writes, computed once from the
// options by pure functions so that tests can check every field.
type config struct {
	opMode byte    // RegOpMode without the mode bits: LoRa | LowFrequencyModeOn
	rf     [7]byte // RegFrfMsb..RegLna (0x06-0x0C)
	modem  [7]byte // RegModemConfig1..RegMaxPayloadLength (0x1D-0x23)
	modem3 byte    // RegModemConfig3 (0x26)
	detect [2]byte // RegDetectOptimize (0x31), RegDetectionThreshold (0x37)
	sync   byte    // RegSyncWord (0x39)
	paDac  byte    // RegPaDac (0x4D)
	hfPort bool    // the frequency uses the HF port (RSSI offset -157)
}

// midBand is the boundary between the LF port (bands 2 and 3, up to 525
// MHz) and the HF port (band 1).
const midBand = 525 * physic.MegaHertz

// newConfig computes the register image for validated options.
func newConfig(o Opts) config {
	c := config{opMode: opLoRa, hfPort: o.Frequency > midBand, sync: o.SyncWord}
	if !c.hfPort {
		c.opMode |= opLowFrequency // section 6.4: LowFrequencyModeOn for the LF port
	}
	frf := frfFor(o.Frequency)
	c.rf = [7]byte{byte(frf >> 16), byte(frf >> 8), byte(frf),
		paConfig(o.Output, o.Power), 0x09, ocp(o.OCPMilliamps), lna(o.LNA, o.LNABoost && c.hfPort)}
	c.paDac = 0x84 // section 5.4.3: default
	if o.Output == PABoost && o.Power > 17 {
		c.paDac = 0x87 // +20 dBm option on PA_BOOST
	}
	m := o.Modem
	length := byte(1) // explicit header: set per frame; 0 is not permitted
	if m.ImplicitHeader {
		length = byte(o.PayloadLength)
	}
	c.modem = [7]byte{modemConfig1(m), modemConfig2(m), 0x64, // SymbTimeout: reset value (RXSINGLE only)
		byte(m.Preamble >> 8), byte(m.Preamble), length, maxPayload}
	c.modem3 = modemConfig3(m, o.LNA)
	// Section 4.1.1.2: SF6 needs DetectionOptimize 0x5 and
	// DetectionThreshold 0x0C; SF7-SF12 use 0x3 and 0x0A. Bits 7-3 of
	// RegDetectOptimize keep their reset value 0xC0.
	c.detect = [2]byte{0xC3, 0x0A}
	if m.SF == SF6 {
		c.detect = [2]byte{0xC5, 0x0C}
	}
	return c
}

// frfFor returns RegFrf for f: Frf = f * 2^19 / 32 MHz (section 4.1.4),
// rounded to the nearest step of 61.035 Hz.
func frfFor(f physic.Frequency) uint32 {
	hz := uint64((f + physic.Hertz/2) / physic.Hertz)
	return uint32((hz<<19 + 16_000_000) / 32_000_000)
}

// paConfig returns RegPaConfig (section 5.4.2): PaSelect (bit 7), MaxPower
// (bits 6-4), OutputPower (bits 3-0). PA_BOOST: Pout = 17 - (15 -
// OutputPower), plus 3 dB with the PaDac high-power setting for +18..+20.
// RFO: Pout = Pmax - (15 - OutputPower) with MaxPower 7 (Pmax = 15 dBm).
func paConfig(o Output, dbm int) byte {
	if o == RFO {
		return 0x70 | byte(dbm)
	}
	if dbm > 17 {
		dbm -= 3
	}
	return 0x80 | 0x70 | byte(dbm-2)
}

// ocp returns RegOcp (section 5.4.4): OcpOn and OcpTrim with Imax = 45 +
// 5*OcpTrim mA up to 120 mA, -30 + 10*OcpTrim mA up to 240 mA.
func ocp(ma int) byte {
	trim := (ma - 45) / 5
	if ma > 120 {
		trim = (ma + 30) / 10
	}
	return 0x20 | byte(trim)
}

// lna returns RegLna: LnaGain (bits 7-5; G1 when the AGC sets it) and
// LnaBoostHf (bits 1-0, 0b11 = 150 % LNA current).
func lna(g LNAGain, boostHF bool) byte {
	if g == LNAAuto {
		g = LNAG1
	}
	v := byte(g) << 5
	if boostHF {
		v |= 0x03
	}
	return v
}

// modemConfig1 returns RegModemConfig1: Bw (7-4), CodingRate (3-1),
// ImplicitHeaderModeOn (0).
func modemConfig1(m Modem) byte {
	v := byte(m.Bandwidth)<<4 | byte(m.CodingRate)<<1
	if m.ImplicitHeader {
		v |= 0x01
	}
	return v
}

// modemConfig2 returns RegModemConfig2: SpreadingFactor (7-4),
// TxContinuousMode 0, RxPayloadCrcOn (2), SymbTimeout(9:8) 0.
func modemConfig2(m Modem) byte {
	v := byte(m.SF) << 4
	if m.CRC {
		v |= 0x04
	}
	return v
}

// modemConfig3 returns RegModemConfig3: LowDataRateOptimize (3), AgcAutoOn
// (2).
func modemConfig3(m Modem, g LNAGain) byte {
	var v byte
	if m.LowDataRateOptimize() {
		v |= 0x08
	}
	if g == LNAAuto {
		v |= 0x04
	}
	return v
}
