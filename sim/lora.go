package sim

import (
	"fmt"
	"slices"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/lora/sx127xsim"
	"github.com/altnet/altnet/radio"
	"periph.io/x/conn/v3/physic"
)

// DefaultLoRaFrequency is the channel of a simulated LoRa radio: in the
// EU868 high-power sub-band (g3, 869.4-869.65 MHz, 10 % duty cycle over
// any rolling hour).
const DefaultLoRaFrequency = 869_525 * physic.KiloHertz

// DefaultLoRaModem returns the modem settings of a simulated LoRa radio:
// SF7/125 kHz, CR 4/5, 8 symbols of preamble, explicit header and CRC.
func DefaultLoRaModem() lora.Modem {
	return lora.Modem{SF: lora.SF7, Bandwidth: lora.BW125, CodingRate: lora.CR4_5, Preamble: 8, CRC: true}
}

// DefaultLoRaPower is the conducted output power of a simulated LoRa radio
// in dBm (on PA_BOOST).
const DefaultLoRaPower = 14

// LoRaOptions configure a simulated LoRa radio. The zero value is a
// two-way radio with the defaults above.
type LoRaOptions struct {
	// Plan is the regional plan (lora.EU868 when nil).
	Plan *lora.Plan
	// Frequency and Modem default to DefaultLoRaFrequency and
	// DefaultLoRaModem(); both ends of a link must share them.
	Frequency physic.Frequency
	Modem     *lora.Modem
	// Power is the conducted power in dBm (DefaultLoRaPower when zero).
	Power int
	// ReceiveOnly makes the driver receive-only (no plan is needed for
	// it, as for an off-grid receiver without a transmitter).
	ReceiveOnly bool
	// Callsign is the operator's callsign, required on an amateur plan.
	Callsign string
}

// LoRa attaches an SX127x chip model named name to the world and returns
// the real lora driver on it. The driver is started (reset, configured and
// receiving) when LoRa returns; Close closes it.
func (w *World) LoRa(name string, o LoRaOptions) (*lora.Dev, error) {
	opts := o.driverOpts(name, w)
	r := &Radio{Name: name, Kind: KindLoRa}
	if err := w.add(r); err != nil {
		return nil, err
	}
	chip, err := sx127xsim.New(w.air, name, &sx127xsim.Opts{Logger: w.log.With("chip", name)})
	if err != nil {
		w.remove(name)
		return nil, fmt.Errorf("sim: lora %s: %w", name, err)
	}
	opts.DIO1 = chip.DIO1()
	r.Chip = chip // the name stays taken on the medium, and Close closes it
	dev, err := lora.New(chip, chip.Reset(), chip.DIO0(), &opts)
	if err != nil {
		return nil, fmt.Errorf("sim: lora %s: %w", name, err)
	}
	r.LoRa = dev
	r.Description = fmt.Sprintf("LoRa %s %v, %s, %v", opts.Frequency, opts.Modem, opts.Plan.Name, dev.Capabilities().Direction)
	return dev, nil
}

// driverOpts fills in the defaults.
func (o LoRaOptions) driverOpts(name string, w *World) lora.Opts {
	opts := lora.Opts{
		Name:      name,
		Frequency: o.Frequency,
		Modem:     DefaultLoRaModem(),
		Power:     o.Power,
		Plan:      o.Plan,
		Callsign:  o.Callsign,
		Clock:     w.clk,
		Logger:    w.log.With("driver", name),
	}
	if opts.Frequency == 0 {
		opts.Frequency = DefaultLoRaFrequency
	}
	if o.Modem != nil {
		opts.Modem = *o.Modem
	}
	if opts.Power == 0 {
		opts.Power = DefaultLoRaPower
	}
	if opts.Plan == nil {
		opts.Plan = lora.EU868
	}
	if o.ReceiveOnly {
		opts.Direction = radio.ReceiveOnly
	}
	return opts
}

// remove forgets a radio whose construction failed.
func (w *World) remove(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.radios, name)
	w.order = slices.DeleteFunc(w.order, func(n string) bool { return n == name })
}
