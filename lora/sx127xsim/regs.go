package sx127xsim

// LoRa-mode register addresses (SX1276/77/78/79 datasheet, section 6.4,
// table 41).
const (
	regFifo             = 0x00
	regOpMode           = 0x01
	regFrfMsb           = 0x06
	regFrfMid           = 0x07
	regFrfLsb           = 0x08
	regPaConfig         = 0x09
	regPaRamp           = 0x0A
	regOcp              = 0x0B
	regLna              = 0x0C
	regFifoAddrPtr      = 0x0D
	regFifoTxBaseAddr   = 0x0E
	regFifoRxBaseAddr   = 0x0F
	regFifoRxCurrent    = 0x10
	regIrqFlagsMask     = 0x11
	regIrqFlags         = 0x12
	regRxNbBytes        = 0x13
	regRxHeaderCntMsb   = 0x14
	regRxPacketCntLsb   = 0x17
	regModemStat        = 0x18
	regPktSnrValue      = 0x19
	regPktRssiValue     = 0x1A
	regRssiValue        = 0x1B
	regHopChannel       = 0x1C
	regModemConfig1     = 0x1D
	regModemConfig2     = 0x1E
	regSymbTimeoutLsb   = 0x1F
	regPreambleMsb      = 0x20
	regPreambleLsb      = 0x21
	regPayloadLength    = 0x22
	regMaxPayloadLength = 0x23
	regHopPeriod        = 0x24
	regFifoRxByteAddr   = 0x25
	regModemConfig3     = 0x26
	regDetectOptimize   = 0x31
	regInvertIQ         = 0x33
	regDetectionThresh  = 0x37
	regSyncWord         = 0x39
	regDioMapping1      = 0x40
	regDioMapping2      = 0x41
	regVersion          = 0x42
	regPaDac            = 0x4D
)

// RegOpMode fields (table 41).
const (
	opLongRangeMode   = 0x80 // 1: LoRa; writable only in Sleep
	opAccessSharedReg = 0x40
	opLowFrequency    = 0x08 // LowFrequencyModeOn
	opModeMask        = 0x07
)

// Operating modes, RegOpMode bits 2-0 in LoRa mode (section 4.1.3).
const (
	modeSleep = iota
	modeStandby
	modeFSTX
	modeTX
	modeFSRX
	modeRXContinuous
	modeRXSingle
	modeCAD
)

var modeNames = [...]string{"SLEEP", "STDBY", "FSTX", "TX", "FSRX", "RXCONTINUOUS", "RXSINGLE", "CAD"}

// RegIrqFlags bits (table 41).
const (
	irqRxTimeout       = 0x80
	irqRxDone          = 0x40
	irqPayloadCrcError = 0x20
	irqValidHeader     = 0x10
	irqTxDone          = 0x08
	irqCadDone         = 0x04
	irqCadDetected     = 0x01
)

// access says what the datasheet allows at an address in LoRa mode.
type access uint8

const (
	accReserved access = iota // reserved, unused or a test register
	accRW                     // read and write
	accConfig                 // read and write, but only in Sleep or Standby
	accRO                     // read only
	accClear                  // write 1 to clear (RegIrqFlags)
	accFifo                   // RegFifo
)

// regMap gives each address its access kind and reset value in LoRa mode.
// Addresses 0x02-0x05 are FSK bit-rate and deviation registers, unused in
// LoRa mode; 0x27-0x3F outside the named registers are reserved; above 0x42
// only the documented registers are writable, the rest are test registers.
var regMap = func() (m [0x80]struct {
	acc   access
	reset byte
}) {
	set := func(a int, acc access, reset byte) { m[a].acc, m[a].reset = acc, reset }
	set(regFifo, accFifo, 0x00)
	set(regOpMode, accRW, 0x09) // FSK, LowFrequencyModeOn, Standby
	set(regFrfMsb, accConfig, 0x6C)
	set(regFrfMid, accConfig, 0x80)
	set(regFrfLsb, accConfig, 0x00) // 434.000 MHz
	set(regPaConfig, accConfig, 0x4F)
	set(regPaRamp, accConfig, 0x09)
	set(regOcp, accConfig, 0x2B) // OcpOn, 100 mA
	set(regLna, accConfig, 0x20) // G1
	set(regFifoAddrPtr, accRW, 0x00)
	set(regFifoTxBaseAddr, accRW, 0x80)
	set(regFifoRxBaseAddr, accRW, 0x00)
	set(regFifoRxCurrent, accRO, 0x00)
	set(regIrqFlagsMask, accRW, 0x00)
	set(regIrqFlags, accClear, 0x00)
	for a := regRxNbBytes; a <= regHopChannel; a++ {
		set(a, accRO, 0x00)
	}
	set(regModemStat, accRO, 0x10) // modem clear
	set(regModemConfig1, accConfig, 0x72)
	set(regModemConfig2, accConfig, 0x70)
	set(regSymbTimeoutLsb, accConfig, 0x64)
	set(regPreambleMsb, accConfig, 0x00)
	set(regPreambleLsb, accConfig, 0x08)
	set(regPayloadLength, accConfig, 0x01)
	set(regMaxPayloadLength, accConfig, 0xFF)
	set(regHopPeriod, accConfig, 0x00)
	set(regFifoRxByteAddr, accRO, 0x00)
	set(regModemConfig3, accConfig, 0x04) // AgcAutoOn
	for _, a := range []int{0x28, 0x29, 0x2A, 0x2C} {
		set(a, accRO, 0x00) // FeiMsb, FeiMid, FeiLsb, RssiWideband
	}
	set(regDetectOptimize, accConfig, 0xC3)
	set(regInvertIQ, accConfig, 0x27)
	set(regDetectionThresh, accConfig, 0x0A)
	set(regSyncWord, accConfig, 0x12)
	set(regDioMapping1, accRW, 0x00)
	set(regDioMapping2, accRW, 0x00)
	set(regVersion, accRO, 0x12)
	set(0x44, accRW, 0x2D) // RegPllHop
	set(0x4B, accRW, 0x09) // RegTcxo
	set(regPaDac, accConfig, 0x84)
	set(0x70, accRW, 0xD0) // RegPll
	for a := 0x61; a <= 0x64; a++ {
		set(a, accRW, 0x00) // RegAgcRef, RegAgcThresh1-3: reset values not modelled
	}
	return m
}()

// loraPage reports whether addr is one of the registers whose meaning
// depends on the modem (0x0D-0x3F): in FSK mode they are FSK registers.
func loraPage(addr byte) bool { return addr >= 0x0D && addr <= 0x3F }

// bandwidthDivider gives each RegModemConfig1 Bw code as the divider of the
// 32 MHz crystal: BW = 32 MHz / divider (7.8 kHz ... 500 kHz, table 41).
var bandwidthDivider = [...]uint64{4096, 3072, 2048, 1536, 1024, 768, 512, 256, 128, 64}

// snrFloor is the demodulator's SNR limit in quarter dB per spreading
// factor (table 13): SF6 -5 dB ... SF12 -20 dB.
var snrFloor = map[uint8]int{6: -20, 7: -30, 8: -40, 9: -50, 10: -60, 11: -70, 12: -80}
