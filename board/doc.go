// Package board knows the Raspberry Pi LoRa HATs AltNet runs on and brings
// their hardware up through periph.io/x/host/v3. It is the only package that
// touches the host: it resolves a profile's SPI port and GPIO pins and hands
// them to the radio driver as periph interfaces (spi.Port, gpio.PinOut,
// gpio.PinIn), so everything below it runs unchanged on the chip model.
//
// A profile names the SPI port (a spidev device such as /dev/spidev0.1), an
// optional GPIO used as software chip select for HATs whose NSS line is not
// on a hardware chip-select pin, and the GPIOs wired to RESET, DIO0 and
// DIO1, by their Broadcom names (GPIO25).
package board
