package lora

import (
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/radio"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
)

// Variant is the chip's part number; HopeRF RFM95/96/98 modules carry an
// SX1276, SX1276 (LF) and SX1278 respectively.
type Variant uint8

// Variants and their ranges (datasheet table 1).
const (
	SX1276 Variant = iota // 137-1020 MHz, SF6-SF12
	SX1277                // 137-1020 MHz, SF6-SF9
	SX1278                // 137-525 MHz, SF6-SF12
	SX1279                // 137-960 MHz, SF6-SF12
)

var variantNames = [...]string{"SX1276", "SX1277", "SX1278", "SX1279"}

func (v Variant) String() string {
	if int(v) < len(variantNames) {
		return variantNames[v]
	}
	return fmt.Sprintf("Variant(%d)", uint8(v))
}

// Band returns the variant's frequency range.
func (v Variant) Band() (low, high physic.Frequency) {
	high = [...]physic.Frequency{1020, 1020, 525, 960}[v] * physic.MegaHertz
	return 137 * physic.MegaHertz, high
}

// MaxSF returns the variant's highest spreading factor.
func (v Variant) MaxSF() SpreadingFactor {
	if v == SX1277 {
		return SF9
	}
	return SF12
}

// Output selects the power amplifier pin (RegPaConfig PaSelect, section
// 5.4). Modules wire one of them to the antenna: RFM95/96/98 and most Pi
// HATs use PA_BOOST.
type Output uint8

// Outputs.
const (
	PABoost Output = iota // PA_BOOST pin, +2 to +20 dBm
	RFO                   // RFO pin, 0 to +14 dBm
)

func (o Output) String() string {
	switch o {
	case PABoost:
		return "PA_BOOST"
	case RFO:
		return "RFO"
	}
	return fmt.Sprintf("Output(%d)", uint8(o))
}

// LNAGain is the receiver's LNA gain (RegLna LnaGain): automatic (AGC,
// RegModemConfig3 AgcAutoOn) or fixed from G1 (maximum) to G6 (minimum).
type LNAGain uint8

// LNA gains.
const (
	LNAAuto LNAGain = iota
	LNAG1
	LNAG2
	LNAG3
	LNAG4
	LNAG5
	LNAG6
)

// Opts configure a Dev. Frequency, Modem and (to transmit) Plan are
// required; the rest have working defaults.
//
// Settings in use (all with preamble 8, explicit header, CRC on):
//   - EU868 gateway: 868.1 MHz, SF9/125 kHz/CR4-5, sync word 0x12, 14 dBm
//     ERP on PA_BOOST (Plan EU868; 1 % duty cycle per hour).
//   - EU868 high-power sub-band: 869.525 MHz, SF9/125 kHz (or Meshtastic's
//     LongFast SF11/250 kHz, preamble 16, sync word 0x2B), up to 27 dBm ERP
//     at 10 % duty cycle (the chip gives at most 20 dBm).
//   - US915: 903.9 MHz, SF7 to SF9/125 kHz; frames above 400 ms are refused.
//   - LoRa APRS on 70 cm: 433.775 MHz, SF12/125 kHz/CR4-5, Plan Amateur70cm
//     with the operator's Callsign.
type Opts struct {
	// Name identifies the driver ("lora0" when empty).
	Name    string
	Variant Variant
	// Frequency is the carrier frequency; it must lie in the variant's band
	// and, to transmit, with the whole signal bandwidth inside one of the
	// plan's sub-bands.
	Frequency physic.Frequency
	Modem     Modem
	// PayloadLength is the fixed frame length with an implicit header
	// (1..255); unused with an explicit header.
	PayloadLength int
	// SyncWord (RegSyncWord) separates networks: 0x12 private (used when
	// zero), 0x34 LoRaWAN public, 0x2B Meshtastic.
	SyncWord byte
	Output   Output
	// Power is the conducted output power in dBm: +2..+20 on PA_BOOST
	// (+18..+20 use the high-power PaDac setting), 0..+14 on RFO.
	Power int
	// OCPMilliamps is the PA over-current limit, 45..240 mA; zero picks
	// 140 mA with PaDac high power and 100 mA (the reset value) otherwise.
	OCPMilliamps int
	LNA          LNAGain
	// LNABoost raises the LNA current on the HF port (RegLna LnaBoostHf).
	LNABoost bool
	// Plan is the regional plan transmissions must respect; required
	// unless Direction is radio.ReceiveOnly.
	Plan *Plan
	// Callsign is the operator's callsign, required to transmit on an
	// amateur plan (e.g. "N0CALL" or "N0CALL-7").
	Callsign string
	// AntennaGainDBi is the antenna gain, used to check the radiated power
	// against the plan (ERP = conducted + gain - 2.15 dB).
	AntennaGainDBi float64
	// ListenBeforeTalk runs channel activity detection before each frame
	// and refuses to send (ErrChannelBusy) while another station is heard.
	ListenBeforeTalk bool
	// Direction restricts the driver; the zero value is two-way.
	Direction radio.Direction
	// DIO1 is the optional DIO1 line (CadDetected); DIO0 is enough.
	DIO1 gpio.PinIn
	// Clock drives every wait; the real clock when nil.
	Clock clock.Clock
	// Logger receives the driver's logs; discarded when nil.
	Logger *slog.Logger
	// EdgeWait bounds each WaitForEdge call (default 200 ms); Close
	// returns within about one EdgeWait.
	EdgeWait time.Duration
	// PollInterval is how often the driver reads RegIrqFlags and RegOpMode
	// while idle, to catch a lost DIO0 edge or a chip that reset itself
	// (default 1 s).
	PollInterval time.Duration
	// RxQueue is how many received frames wait for Receive (default 32);
	// older frames are dropped and counted when it is full.
	RxQueue int
}

// callsignRE is an amateur callsign with an optional SSID.
var callsignRE = regexp.MustCompile(`^[A-Z0-9]{1,3}[0-9][A-Z0-9]{0,4}(-[0-9]{1,2})?$`)

// withDefaults returns a copy of o with defaults filled in.
func (o Opts) withDefaults() Opts {
	if o.Name == "" {
		o.Name = "lora0"
	}
	if o.SyncWord == 0 {
		o.SyncWord = defaultSyncWord
	}
	if o.EdgeWait <= 0 {
		o.EdgeWait = 200 * time.Millisecond
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.RxQueue <= 0 {
		o.RxQueue = 32
	}
	if o.OCPMilliamps == 0 {
		o.OCPMilliamps = 100
		if o.Output == PABoost && o.Power > 17 {
			o.OCPMilliamps = 140
		}
	}
	o.Clock = clock.OrReal(o.Clock)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// validate checks the options before any register is written.
func (o Opts) validate() error {
	if err := o.validateRadio(); err != nil {
		return err
	}
	if err := o.validateModem(); err != nil {
		return err
	}
	if !o.Direction.CanSend() {
		return nil
	}
	if o.Plan == nil {
		return fmt.Errorf("lora: no regional plan: set Opts.Plan (EU868, US915, Amateur70cm) or Direction radio.ReceiveOnly")
	}
	if o.Callsign != "" && !callsignRE.MatchString(o.Callsign) {
		return fmt.Errorf("lora: callsign %q is not a callsign (want e.g. N0CALL or N0CALL-7, upper case)", o.Callsign)
	}
	return o.Plan.check(o.Frequency, o.Modem.Bandwidth, o.Power, o.AntennaGainDBi)
}

// validateRadio checks the variant, frequency and RF front end.
func (o Opts) validateRadio() error {
	if int(o.Variant) >= len(variantNames) {
		return fmt.Errorf("lora: unknown variant %d", o.Variant)
	}
	low, high := o.Variant.Band()
	if o.Frequency < low || o.Frequency > high {
		return fmt.Errorf("lora: frequency %s outside the %v's band %s-%s", o.Frequency, o.Variant, low, high)
	}
	switch {
	case o.Output == PABoost && (o.Power < 2 || o.Power > 20):
		return fmt.Errorf("lora: power %d dBm: PA_BOOST gives +2 to +20 dBm", o.Power)
	case o.Output == RFO && (o.Power < 0 || o.Power > 14):
		return fmt.Errorf("lora: power %d dBm: RFO gives 0 to +14 dBm", o.Power)
	case o.Output > RFO:
		return fmt.Errorf("lora: unknown output %d", o.Output)
	case o.OCPMilliamps < 45 || o.OCPMilliamps > 240:
		return fmt.Errorf("lora: over-current limit %d mA not in 45..240 mA", o.OCPMilliamps)
	case o.LNA > LNAG6:
		return fmt.Errorf("lora: unknown LNA gain %d", o.LNA)
	case o.Direction > radio.ReceiveOnly:
		return fmt.Errorf("lora: unknown direction %d", o.Direction)
	}
	return nil
}

// validateModem checks the modulation against the chip.
func (o Opts) validateModem() error {
	m := o.Modem
	if err := m.Validate(); err != nil {
		return err
	}
	switch {
	case m.SF > o.Variant.MaxSF():
		return fmt.Errorf("lora: %v: the %v supports SF6 to %v", m.SF, o.Variant, o.Variant.MaxSF())
	case m.Bandwidth >= BW250 && o.Frequency < 175*physic.MegaHertz:
		return fmt.Errorf("lora: %v is not supported below 175 MHz (datasheet: 250 and 500 kHz not in the 169 MHz band)", m.Bandwidth)
	case m.LDRO == LDROOff && m.SymbolTime() >= LDRThreshold:
		return fmt.Errorf("lora: LowDataRateOptimize off with a %v symbol: the datasheet mandates it from 16 ms (section 4.1.1.6)", m.SymbolTime())
	case m.ImplicitHeader && (o.PayloadLength < 1 || o.PayloadLength > maxPayload):
		return fmt.Errorf("lora: implicit header needs Opts.PayloadLength in 1..255, not %d", o.PayloadLength)
	}
	return nil
}
