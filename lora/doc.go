// Package lora holds the LoRa side of AltNet: the modulation settings and
// their exact time on air, the regional plans that limit transmissions, and
// Dev, the driver of Semtech SX1276/77/78/79 radios (and HopeRF RFM95/96/98
// modules) on periph.io/x/conn/v3.
//
// # Driver
//
// New takes the chip's spi.Port (mode 0, at most 10 MHz), its RESET
// gpio.PinOut and its DIO0 gpio.PinIn (DIO1 optional, in Opts); it never
// touches the host, which the board package brings up. Every option is
// checked before any pin or register is touched. New pulses RESET, checks
// RegVersion, switches to LoRa mode in Sleep, writes the settings with the
// datasheet section cited at each register, and starts receiving
// continuously. Dev implements radio.Driver.
//
// One goroutine owns the chip after New returns; Send, CAD and the receive
// path are requests to it. Another goroutine per DIO line waits for rising
// edges with a bounded WaitForEdge (never -1 or 0, whose meaning differs
// between periph's GPIO backends) and only wakes the owner; RegIrqFlags is
// the truth, read after every edge, at 1.5 times the time on air of a
// frame, and on a periodic poll that also notices a chip that reset itself
// and configures it again.
//
// # Airtime and the law
//
// Modem.Airtime is exact to the nanosecond (SX1276 datasheet 4.1.1.7,
// Semtech AN1200.13). A Plan (EU868, US915, Amateur70cm) decides where a
// Dev may transmit, at what power, and how much: Send refuses a frame that
// would exceed the sub-band's duty cycle over any rolling hour, or the
// dwell time, with a *radio.BudgetError that says how long to wait, before
// any register is written. On an amateur plan it refuses to transmit
// without the operator's callsign.
//
// The register-level chip model in package sx127xsim holds the driver to
// the datasheet in tests and runs it in the simulator.
//
// # Datasheets
//
// Semtech SX1276/77/78/79 datasheet, rev. 7 (May 2020):
// https://www.semtech.com/products/wireless-rf/lora-connect/sx1276
// Semtech AN1200.13, "LoRa Modem Designer's Guide" (time on air).
package lora
