#!/bin/sh
# Post-image step run before Buildroot's Raspberry Pi post-image script:
# turns on the SPI controller the LoRa HATs sit on, so /dev/spidev0.* exist.
set -eu
config="${BINARIES_DIR}/rpi-firmware/config.txt"
[ -f "$config" ] || { echo "enable-spi: $config not found" >&2; exit 1; }
grep -q '^dtparam=spi=on' "$config" || printf '\n# AltNet: LoRa HAT on SPI\ndtparam=spi=on\n' >>"$config"
