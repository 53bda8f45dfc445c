// Package lora holds the LoRa side of AltNet: the modulation settings and
// their exact time on air.
//
// # Datasheets
//
// Semtech SX1276/77/78/79 datasheet, rev. 7 (May 2020):
// https://www.semtech.com/products/wireless-rf/lora-connect/sx1276
// Semtech AN1200.13, "LoRa Modem Designer's Guide" (time on air).
package lora
