// Package sx127xsim is a register-level model of the Semtech SX1276/77/78/79
// LoRa transceiver, written from the datasheet's register map so that a
// driver can be held to the datasheet without the hardware.
//
// A Chip is a periph spi.PortCloser (Connect once, mode 0 at up to 10 MHz,
// 8-bit words, full-duplex Tx with len(w) == len(r) or a nil r), a RESET
// gpio.PinOut and two gpiotest.Pin values for DIO0 and DIO1. It answers SPI
// transactions like the chip (datasheet section 4.3): the first byte is the
// address with bit 7 set for a write, the following bytes read or write
// consecutive registers (burst access with address auto-increment), except
// at RegFifo (0x00) where every byte goes through FifoAddrPtr, which
// increments and wraps at 256. During a write MISO returns the register's old
// value; during the address byte it returns 0x00.
//
// It models the LoRa modem's behaviour that a driver depends on:
//   - reset values (LoRa page, section 6.4), the NRESET pulse (at least
//     100 µs low, then 5 ms before the chip answers, section 7.2);
//   - the operating modes of RegOpMode (section 4.1.3) and their
//     transitions: TX lasts the frame's exact time on air on the chip's
//     clock then returns to Standby with TxDone; RXCONTINUOUS stays in
//     receive; RXSINGLE returns to Standby after a packet or RxTimeout; CAD
//     returns to Standby with CadDone (and CadDetected when the medium is
//     busy);
//   - the 256-byte FIFO data buffer and its pointers (FifoAddrPtr,
//     FifoTxBaseAddr, FifoRxBaseAddr, FifoRxCurrentAddr, RxNbBytes,
//     FifoRxByteAddr), cleared in Sleep; in RXCONTINUOUS consecutive packets
//     are written one after the other from FifoRxBaseAddr, so a driver must
//     read from FifoRxCurrentAddr;
//   - RegIrqFlags (write 1 to clear), RegIrqFlagsMask (a masked IRQ is never
//     set), and the DIO0/DIO1 mappings of RegDioMapping1 (table 18), which
//     raise rising edges on the fake pins;
//   - the air through radio/medium: the chip listens on a channel whose
//     modulation key holds every setting both ends must share (spreading
//     factor, bandwidth, sync word, IQ polarity, LowDataRateOptimize, header
//     mode; in implicit mode also coding rate, payload length and CRC, which
//     an explicit header carries); frames below the demodulator's SNR floor
//     for the spreading factor (table 13) are not heard; a frame's header
//     and payload CRC are checked, so bit errors from the medium end as a
//     lost header or PayloadCrcError; RegPktSnrValue and RegPktRssiValue
//     follow section 5.5.5 for the HF (-157) and LF (-164) ports.
//
// # Rules
//
// Every access the datasheet forbids or leaves undefined is recorded as a
// Violation (and, where the chip would ignore it, ignored). Tests of a
// driver fail when Violations is not empty. The rules are:
//
//	spi-config             Connect not in mode 0, 8 bits, 1 Hz..10 MHz; Connect twice
//	spi-length             len(r) neither 0 nor len(w), or an empty transaction
//	spi-in-reset           SPI access while NRESET is held low
//	spi-not-ready          SPI access within 5 ms of the end of reset (10 ms after power-on)
//	reset-pulse            NRESET held low for less than 100 µs
//	long-range-mode        LongRangeMode changed outside Sleep (the chip ignores it)
//	access-shared-reg      AccessSharedReg set (FSK registers from LoRa mode are not modelled)
//	fsk-mode               LoRa-page register (0x0D-0x3F) accessed, or a radio mode entered, in FSK mode
//	fifo-in-sleep          RegFifo read or written in Sleep (the FIFO is not accessible)
//	read-only              write to a read-only register
//	reserved               write to a reserved, unused or test register
//	config-while-active    modem configuration written outside Sleep and Standby
//	payload-length-zero    RegPayloadLength written with 0 ("a 0 value is not permitted")
//	sf6-explicit           SF6 used with an explicit header
//	detection-optimize     DetectionOptimize/DetectionThreshold not 0x05/0x0C for SF6, 0x03/0x0A otherwise
//	ldro-mandated          LowDataRateOptimize off with a symbol time of 16 ms or more
//	reserved-code          reserved bandwidth, coding rate or spreading factor used
//	variant                setting outside the variant (SX1277 above SF9, a frequency out of band)
//	low-band-bandwidth     250 or 500 kHz below 175 MHz (not supported in the 169 MHz band)
//	low-frequency-mode     LowFrequencyModeOn not matching the port the frequency uses
//	pa-dac-rfo             PaDac high-power mode (0x07) with the RFO output selected
//
// The checks on settings (from sf6-explicit on) run when TX, RX or CAD
// starts, which is when the chip takes the settings into account.
//
// # Not modelled
//
// The FSK/OOK modem, frequency hopping, the test registers, temperature and
// calibration, TX continuous mode. CAD lasts two symbols and reports the
// medium's carrier sense. ValidHeader is raised with RxDone at the end of
// the frame rather than after the header symbols. The on-air bytes are the
// model's own framing (three header bytes and a CRC-16), not the chip's.
package sx127xsim
