package lora

import "fmt"

// reg is an SX127x register address in LoRa mode (datasheet section 6.4,
// table 41). Bit 7 of the address byte on SPI selects a write.
type reg uint8

// Registers the driver uses.
const (
	regFifo            reg  = 0x00
	regOpMode          reg  = 0x01
	regFrfMsb          reg  = 0x06 // then FrfMid, FrfLsb, PaConfig, PaRamp, Ocp, Lna
	regFifoAddrPtr     reg  = 0x0D // then FifoTxBaseAddr, FifoRxBaseAddr
	regFifoRxCurrent   reg  = 0x10 // then IrqFlagsMask, IrqFlags, RxNbBytes
	regIrqFlagsMask    reg  = 0x11
	regIrqFlags        reg  = 0x12
	regPktSnrValue     reg  = 0x19 // then PktRssiValue, RssiValue, HopChannel
	regModemConfig1    reg  = 0x1D // then ModemConfig2, SymbTimeoutLsb, PreambleMsb/Lsb, PayloadLength, MaxPayloadLength
	regPayloadLength   reg  = 0x22
	regModemConfig3    reg  = 0x26
	regDetectOptimize  reg  = 0x31
	regDetectionThresh reg  = 0x37
	regSyncWord        reg  = 0x39
	regDioMapping1     reg  = 0x40
	regVersion         reg  = 0x42
	regPaDac           reg  = 0x4D
	writeBit                = 0x80
	fifoSize                = 256
	maxPayload              = 255
	defaultSyncWord    byte = 0x12 // RegSyncWord reset value (private networks)
)

func (r reg) String() string { return fmt.Sprintf("0x%02X", uint8(r)) }

// RegOpMode (0x01) fields:
//
//	bit 7    LongRangeMode       1 = LoRa; writable only in Sleep
//	bit 6    AccessSharedReg     0
//	bit 3    LowFrequencyModeOn  1 below 525 MHz (LF port)
//	bits 2-0 Mode
const (
	opLoRa         byte = 0x80
	opLowFrequency byte = 0x08
	opModeMask     byte = 0x07
)

// Operating modes (RegOpMode bits 2-0, section 4.1.3).
const (
	modeSleep        byte = 0
	modeStandby      byte = 1
	modeTX           byte = 3
	modeRXContinuous byte = 5
	modeCAD          byte = 7
)

// RegIrqFlags (0x12) bits; each is cleared by writing 1.
const (
	irqRxTimeout       byte = 0x80
	irqRxDone          byte = 0x40
	irqPayloadCrcError byte = 0x20
	irqValidHeader     byte = 0x10
	irqTxDone          byte = 0x08
	irqCadDone         byte = 0x04
	irqCadDetected     byte = 0x01
	irqAll             byte = 0xFF
)

// RegDioMapping1 (0x40) values, table 18:
//
//	DIO0 DIO1
//	00-- ----  DIO0 RxDone
//	01-- ----  DIO0 TxDone
//	10-- ----  DIO0 CadDone
//	--10 ----  DIO1 CadDetected
const (
	dioRxDone byte = 0x00
	dioTxDone byte = 0x40
	dioCAD    byte = 0x80 | 0x20
)

// RegHopChannel (0x1C) bit 6: the received header said CRC on.
const hopCrcOnPayload byte = 0x40

// Chip versions in RegVersion (0x42): 0x12 for SX1276/77/78/79; 0x11 and
// 0x13 are read on some HopeRF RFM9x modules (RadioLib accepts both).
var knownVersions = [...]byte{0x12, 0x11, 0x13}
