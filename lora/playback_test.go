package lora_test

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/lora/sx127xsim"
	"github.com/altnet/altnet/radio/medium"
	"periph.io/x/conn/v3/conntest"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/spi/spitest"
)

// initTranscript is what New and Close send for euOpts: 868.1 MHz,
// SF9/125 kHz/CR4-5, preamble 8, explicit header, CRC, 14 dBm on PA_BOOST,
// sync word 0x12. Bit 7 of the first byte marks a write.
var initTranscript = []conntest.IO{
	// RegVersion (0x42) reads 0x12: an SX1276/77/78/79.
	{W: []byte{0x42, 0x00}, R: []byte{0x00, 0x12}},
	// RegOpMode reads 0x09 after reset: FSK, LowFrequencyModeOn, Standby.
	{W: []byte{0x01, 0x00}, R: []byte{0x00, 0x09}},
	// Sleep in FSK mode (HF port: LowFrequencyModeOn off), then
	// LongRangeMode in Sleep, where alone it may change.
	{W: []byte{0x81, 0x00}},
	{W: []byte{0x81, 0x80}},
	// Burst from RegFrfMsb: Frf 0xD90666 (868.1 MHz), PaConfig 0xFC
	// (PA_BOOST, 17-(15-12) = 14 dBm), PaRamp 0x09, Ocp 0x2B (on, 100 mA),
	// Lna 0x20 (G1, AGC decides).
	{W: []byte{0x86, 0xD9, 0x06, 0x66, 0xFC, 0x09, 0x2B, 0x20}},
	// FifoAddrPtr, FifoTxBaseAddr, FifoRxBaseAddr: all 0, the whole FIFO.
	{W: []byte{0x8D, 0x00, 0x00, 0x00}},
	// RegIrqFlagsMask: nothing masked.
	{W: []byte{0x91, 0x00}},
	// Burst from RegModemConfig1: 0x72 (125 kHz, 4/5, explicit), 0x94
	// (SF9, CRC on), SymbTimeoutLsb 0x64, preamble 0x0008, PayloadLength
	// 1, MaxPayloadLength 0xFF.
	{W: []byte{0x9D, 0x72, 0x94, 0x64, 0x00, 0x08, 0x01, 0xFF}},
	// RegModemConfig3: AgcAutoOn, no LowDataRateOptimize (4.096 ms symbol).
	{W: []byte{0xA6, 0x04}},
	// DetectionOptimize 0xC3 and DetectionThreshold 0x0A for SF7-SF12.
	{W: []byte{0xB1, 0xC3}},
	{W: []byte{0xB7, 0x0A}},
	// RegSyncWord 0x12, RegPaDac 0x84 (no +20 dBm option).
	{W: []byte{0xB9, 0x12}},
	{W: []byte{0xCD, 0x84}},
	// LoRa Standby, read back to prove the chip took LoRa mode.
	{W: []byte{0x81, 0x81}},
	{W: []byte{0x01, 0x00}, R: []byte{0x00, 0x81}},
	// DIO0 = RxDone, then RXCONTINUOUS.
	{W: []byte{0xC0, 0x00}},
	{W: []byte{0x81, 0x85}},
	// Close: LoRa Sleep.
	{W: []byte{0x81, 0x80}},
}

func TestInitSequencePlayback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		port := &spitest.Playback{Playback: conntest.Playback{Ops: initTranscript, DontPanic: true}}
		reset := &gpiotest.Pin{N: "RESET", L: gpio.High}
		dio0 := &gpiotest.Pin{N: "DIO0", EdgesChan: make(chan gpio.Level, 1)}
		o := euOpts()
		start := time.Now()
		d, err := lora.New(port, reset, dio0, &o)
		if err != nil {
			t.Fatal(err)
		}
		// The reset pulse: 1 ms low, then 10 ms before the first access.
		if took := time.Since(start); took != 11*time.Millisecond || reset.Read() != gpio.High {
			t.Fatalf("reset took %v, RESET left %v", took, reset.Read())
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if err := port.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestInitTranscriptMatchesTheModel replays the transcript's writes into a
// fresh chip model after a datasheet reset: every read must return what
// the transcript says and no rule may break, so the golden bytes and the
// model agree with each other.
func TestInitTranscriptMatchesTheModel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chip, err := sx127xsim.New(medium.New(medium.Options{}), "c", nil)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := chip.Connect(lora.SPIMaxSpeed, lora.SPIMode, 8)
		if err != nil {
			t.Fatal(err)
		}
		_ = chip.Reset().Out(gpio.Low)
		time.Sleep(time.Millisecond)
		_ = chip.Reset().Out(gpio.High)
		time.Sleep(10 * time.Millisecond)
		for i, op := range initTranscript {
			var r []byte
			if op.R != nil {
				r = make([]byte, len(op.R))
			}
			if err := conn.Tx(op.W, r); err != nil {
				t.Fatal(err)
			}
			if op.R != nil && !bytes.Equal(r[1:], op.R[1:]) {
				t.Fatalf("op %d % x: model reads % x, transcript % x", i, op.W, r, op.R)
			}
		}
		noViolations(t, chip)
	})
}
