package board

import (
	"fmt"
	"slices"
	"strings"

	"periph.io/x/conn/v3/physic"
)

// Profile is the wiring of one LoRa HAT or module on a Raspberry Pi.
type Profile struct {
	// Name identifies the profile in configuration files.
	Name string
	// Description says which hardware this is.
	Description string
	// SPI is the periph SPI port name, for example "/dev/spidev0.0".
	SPI string
	// ChipSelect is the GPIO driven as chip select in software when the
	// HAT's NSS line is not on the port's hardware chip select; empty when
	// the port's own CE line is used.
	ChipSelect string
	// Reset, DIO0 and DIO1 are GPIO names; Reset and DIO1 may be empty
	// when not connected. DIO0 is required: it signals TxDone and RxDone.
	Reset, DIO0, DIO1 string
	// MaxSPI caps the SPI clock below the chip's 10 MHz (long wires).
	MaxSPI physic.Frequency
	// Source says where the pinout was taken from.
	Source string
}

// Validate checks that a profile names everything the radio needs.
func (p Profile) Validate() error {
	var missing []string
	if p.Name == "" {
		missing = append(missing, "name")
	}
	if p.SPI == "" {
		missing = append(missing, "spi")
	}
	if p.DIO0 == "" {
		missing = append(missing, "dio0")
	}
	if len(missing) > 0 {
		return fmt.Errorf("board: profile %q lacks %s", p.Name, strings.Join(missing, ", "))
	}
	if p.MaxSPI < 0 || p.MaxSPI > 10*physic.MegaHertz {
		return fmt.Errorf("board: profile %q: SPI clock %s outside 0..10MHz (the SX127x maximum)", p.Name, p.MaxSPI)
	}
	return nil
}

// Profiles returns the built-in profiles, sorted by name. Pins use
// Broadcom (BCM) numbering.
func Profiles() []Profile {
	ps := []Profile{
		{
			Name:        "adafruit-rfm9x-bonnet",
			Description: "Adafruit LoRa Radio Bonnet with OLED, RFM95W (868/915 MHz) or RFM96W (433 MHz)",
			SPI:         "/dev/spidev0.1", Reset: "GPIO25", DIO0: "GPIO22",
			Source: "Adafruit bonnet pinout: CS on CE1, RESET GPIO25, DIO0 GPIO22 (also Meshtastic lora-Adafruit-RFM9x.yaml)",
		},
		{
			Name:        "dragino-lora-gps-hat",
			Description: "Dragino LoRa/GPS HAT v1.4, RFM95 or SX1276 (NSS on GPIO25, not a hardware chip select)",
			SPI:         "/dev/spidev0.0", ChipSelect: "GPIO25", Reset: "GPIO17", DIO0: "GPIO4",
			Source: "Dragino 'Lora GPS HAT for RPi v1.4' schematic (wiringPi 6/0/7 = BCM 25/17/4)",
		},
		{
			Name:        "elecrow-rfm95",
			Description: "Elecrow LoRa RFM95 IoT board for Raspberry Pi",
			SPI:         "/dev/spidev0.1", Reset: "GPIO22", DIO0: "GPIO25",
			Source: "Meshtastic lora-Elecrow-RFM95 profile: CS 7 (CE1), Reset 22, IRQ 25",
		},
		{
			Name:        "electronictricks-rfm95",
			Description: "Electronic Tricks LoRa/LoRaWAN shield for Pi Zero and Pi 3, RFM95",
			SPI:         "/dev/spidev0.0", Reset: "GPIO5", DIO0: "GPIO25",
			Source: "devMobile blog: CS pin 24 (CE0), reset pin 29 (GPIO5), DIO0 pin 22 (GPIO25)",
		},
	}
	slices.SortFunc(ps, func(a, b Profile) int { return strings.Compare(a.Name, b.Name) })
	return ps
}

// Lookup returns the built-in profile with the given name.
func Lookup(name string) (Profile, error) {
	var names []string
	for _, p := range Profiles() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("board: no profile %q (known: %s; or give spi, reset, dio0 in the configuration)", name, strings.Join(names, ", "))
}
