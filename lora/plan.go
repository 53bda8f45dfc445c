package lora

import (
	"fmt"
	"math"
	"strings"
	"time"

	"periph.io/x/conn/v3/physic"
)

// PowerRef says where a power limit is measured.
type PowerRef uint8

// Power references.
const (
	// ERP is effective radiated power, relative to a half-wave dipole
	// (EIRP - 2.15 dB): the European SRD limits.
	ERP PowerRef = iota
	// Conducted is the power into the antenna, with the antenna gain
	// limited separately (FCC Part 15.247: 1 W with up to 6 dBi).
	Conducted
)

func (r PowerRef) String() string {
	if r == Conducted {
		return "conducted"
	}
	return "ERP"
}

// SubBand is a frequency range with its own limits. The whole occupied
// bandwidth (carrier +- BW/2) must lie inside it.
type SubBand struct {
	Name      string
	Low, High physic.Frequency
	// DutyPPM is the duty cycle in parts per million of any rolling hour
	// (10 000 = 1 %); zero means no duty-cycle limit.
	DutyPPM int
	// MaxPowerDBm limits the power, measured as PowerRef says; zero means
	// no limit below the chip's own +20 dBm.
	MaxPowerDBm int
	PowerRef    PowerRef
	// MaxAntennaGainDBi limits the antenna gain for a Conducted limit.
	MaxAntennaGainDBi float64
}

// Plan is a regional plan: where a gateway may transmit, how much and how
// long. A Plan is read-only; the package-level plans must not be modified.
type Plan struct {
	Name        string
	Description string
	SubBands    []SubBand
	// MaxDwell is the longest single transmission (zero: no limit).
	MaxDwell time.Duration
	// Amateur plans need an operator callsign to transmit, and forbid
	// encryption (frames must not obscure their meaning).
	Amateur bool
}

// DutyWindow is the window over which duty cycles are counted.
const DutyWindow = time.Hour

// EU868 is the European 863-870 MHz SRD band as ETSI EN 300 220 and
// ERC/REC 70-03 annex 1 define it for non-specific devices: sub-band g1
// 868.0-868.6 MHz at 1 % and 25 mW (14 dBm) ERP, g2 868.7-869.2 MHz at
// 0.1 % and 14 dBm, g3 869.4-869.65 MHz at 10 % and 500 mW (27 dBm).
// Duty cycles are counted per sub-band over any rolling hour.
var EU868 = &Plan{
	Name:        "eu868",
	Description: "EU 863-870 MHz SRD (ETSI EN 300 220, ERC/REC 70-03 annex 1)",
	SubBands: []SubBand{
		{Name: "g1", Low: 868_000 * physic.KiloHertz, High: 868_600 * physic.KiloHertz, DutyPPM: 10_000, MaxPowerDBm: 14, PowerRef: ERP},
		{Name: "g2", Low: 868_700 * physic.KiloHertz, High: 869_200 * physic.KiloHertz, DutyPPM: 1_000, MaxPowerDBm: 14, PowerRef: ERP},
		{Name: "g3", Low: 869_400 * physic.KiloHertz, High: 869_650 * physic.KiloHertz, DutyPPM: 100_000, MaxPowerDBm: 27, PowerRef: ERP},
	},
}

// US915 is the US 902-928 MHz ISM band under FCC Part 15.247: no duty
// cycle, 1 W (30 dBm) conducted with at most 6 dBi antenna gain, and 400 ms
// dwell time per transmission (applied to every bandwidth, which is
// stricter than the rule for 500 kHz channels).
var US915 = &Plan{
	Name:        "us915",
	Description: "US 902-928 MHz ISM (FCC Part 15.247)",
	SubBands: []SubBand{
		{Name: "ism", Low: 902 * physic.MegaHertz, High: 928 * physic.MegaHertz, MaxPowerDBm: 30, PowerRef: Conducted, MaxAntennaGainDBi: 6},
	},
	MaxDwell: 400 * time.Millisecond,
}

// Amateur70cm is the 70 cm amateur band (420-450 MHz, the widest national
// allocation; IARU Region 1 is 430-440 MHz, LoRa APRS uses 433.775 MHz):
// no duty cycle, a licensed operator's callsign required, no encryption.
// The operator must keep to the national band plan within it.
var Amateur70cm = &Plan{
	Name:        "amateur-70cm",
	Description: "70 cm amateur band (licence and callsign required; no encryption)",
	SubBands: []SubBand{
		{Name: "70cm", Low: 420 * physic.MegaHertz, High: 450 * physic.MegaHertz},
	},
	Amateur: true,
}

// Plans returns every built-in plan.
func Plans() []*Plan { return []*Plan{EU868, US915, Amateur70cm} }

// PlanByName returns the built-in plan with that name.
func PlanByName(name string) (*Plan, error) {
	var names []string
	for _, p := range Plans() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return nil, fmt.Errorf("lora: no plan %q (have %s)", name, strings.Join(names, ", "))
}

// SubBandFor returns the index of the sub-band that holds the whole signal
// of bandwidth bw around f.
func (p *Plan) SubBandFor(f physic.Frequency, bw Bandwidth) (int, error) {
	half := physic.Frequency(bw.Hertz()*float64(physic.Hertz)) / 2
	for i, sb := range p.SubBands {
		if f-half >= sb.Low && f+half <= sb.High {
			return i, nil
		}
	}
	return -1, fmt.Errorf("lora: %s with %v (%s to %s) is not inside any sub-band of plan %s",
		f, bw, f-half, f+half, p.Name)
}

// check verifies that a transmitter at f with bandwidth bw, conducted
// power dbm and antenna gain may use the plan at all.
func (p *Plan) check(f physic.Frequency, bw Bandwidth, dbm int, gainDBi float64) error {
	i, err := p.SubBandFor(f, bw)
	if err != nil {
		return err
	}
	sb := p.SubBands[i]
	if sb.MaxPowerDBm == 0 {
		return nil
	}
	switch sb.PowerRef {
	case ERP:
		if erp := float64(dbm) + gainDBi - 2.15; erp > float64(sb.MaxPowerDBm)+1e-9 {
			return fmt.Errorf("lora: %d dBm with a %.1f dBi antenna is %.2f dBm ERP; plan %s sub-band %s allows %d dBm ERP",
				dbm, gainDBi, erp, p.Name, sb.Name, sb.MaxPowerDBm)
		}
	case Conducted:
		if dbm > sb.MaxPowerDBm || gainDBi > sb.MaxAntennaGainDBi {
			return fmt.Errorf("lora: %d dBm with a %.1f dBi antenna: plan %s allows %d dBm conducted with at most %.0f dBi",
				dbm, gainDBi, p.Name, sb.MaxPowerDBm, sb.MaxAntennaGainDBi)
		}
	}
	return nil
}

// Allowance returns the airtime the sub-band allows per DutyWindow, or
// false when it has no duty-cycle limit.
func (sb SubBand) Allowance() (time.Duration, bool) {
	if sb.DutyPPM <= 0 {
		return 0, false
	}
	return time.Duration(int64(DutyWindow) / 1_000_000 * int64(sb.DutyPPM)), true
}

// DutyString formats the duty cycle as a percentage ("1%", "0.1%").
func (sb SubBand) DutyString() string {
	if sb.DutyPPM <= 0 {
		return "none"
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", float64(sb.DutyPPM)/1e4), "0"), ".") + "%"
}

// String lists the plan and its sub-bands, one per line.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", p.Name, p.Description)
	for _, sb := range p.SubBands {
		fmt.Fprintf(&b, "  %-5s %8.3f-%.3f MHz  duty cycle %-5s", sb.Name, mhz(sb.Low), mhz(sb.High), sb.DutyString())
		switch {
		case sb.MaxPowerDBm == 0:
			b.WriteString("  power: chip maximum")
		case sb.PowerRef == Conducted:
			fmt.Fprintf(&b, "  %d dBm conducted, antenna <= %.0f dBi", sb.MaxPowerDBm, sb.MaxAntennaGainDBi)
		default:
			fmt.Fprintf(&b, "  %d dBm %v", sb.MaxPowerDBm, sb.PowerRef)
		}
		b.WriteByte('\n')
	}
	if p.MaxDwell > 0 {
		fmt.Fprintf(&b, "  dwell time at most %v per transmission\n", p.MaxDwell)
	}
	if p.Amateur {
		b.WriteString("  operator callsign required; no encryption\n")
	}
	return b.String()
}

func mhz(f physic.Frequency) float64 {
	return math.Round(float64(f)/float64(physic.KiloHertz)) / 1000
}
