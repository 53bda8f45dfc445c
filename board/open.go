package board

import (
	"errors"
	"fmt"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"
)

// Radio is the hardware of one LoRa radio, ready for the driver.
type Radio struct {
	// Port is the SPI port; with a software chip select it is wrapped so
	// that every transaction drives the chip select GPIO.
	Port spi.Port
	// Reset is the RESET line, or nil when not connected.
	Reset gpio.PinOut
	// DIO0 is the interrupt line for TxDone, RxDone and CadDone.
	DIO0 gpio.PinIn
	// DIO1 is the optional second interrupt line, or nil.
	DIO1 gpio.PinIn

	port spi.PortCloser
}

// Close releases the SPI port.
func (r *Radio) Close() error {
	if r.port == nil {
		return nil
	}
	err := r.port.Close()
	r.port = nil
	return err
}

// Open initialises the host drivers and resolves the profile's port and
// pins. It does not talk to the radio; the driver does.
func Open(p Profile) (*Radio, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("board: initialise host drivers: %w", err)
	}
	return open(p, spireg.Open, gpioreg.ByName)
}

// open resolves a profile with the given registries (tests pass fakes).
func open(p Profile, openSPI func(string) (spi.PortCloser, error), pin func(string) gpio.PinIO) (*Radio, error) {
	lookup := func(role, name string) (gpio.PinIO, error) {
		if name == "" {
			return nil, nil
		}
		if pn := pin(name); pn != nil {
			return pn, nil
		}
		return nil, fmt.Errorf("board: %s: %s pin %q not found (check the name, e.g. GPIO25, and that this is a Raspberry Pi)", p.Name, role, name)
	}
	var pins [4]gpio.PinIO
	for i, rn := range [4][2]string{{"chip select", p.ChipSelect}, {"reset", p.Reset}, {"dio0", p.DIO0}, {"dio1", p.DIO1}} {
		pn, err := lookup(rn[0], rn[1])
		if err != nil {
			return nil, err
		}
		pins[i] = pn
	}
	port, err := openSPI(p.SPI)
	if err != nil {
		return nil, fmt.Errorf("board: %s: open SPI port %s: %w (is SPI enabled? dtparam=spi=on in /boot/firmware/config.txt)", p.Name, p.SPI, err)
	}
	if p.MaxSPI > 0 {
		if err := port.LimitSpeed(p.MaxSPI); err != nil {
			return nil, errors.Join(fmt.Errorf("board: %s: limit SPI speed to %s: %w", p.Name, p.MaxSPI, err), port.Close())
		}
	}
	r := &Radio{Port: port, port: port, DIO0: pins[2]}
	if pins[0] != nil {
		r.Port = &softCS{Port: port, cs: pins[0]}
	}
	if pins[1] != nil {
		r.Reset = pins[1]
	}
	if pins[3] != nil {
		r.DIO1 = pins[3]
	}
	return r, nil
}
