package lora_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"testing/synctest"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/medium"
	"periph.io/x/conn/v3/physic"
)

// hamOpts is a LoRa APRS station on 433.775 MHz (LF port, no duty cycle),
// the base the settings table changes one thing at a time.
func hamOpts() lora.Opts {
	return lora.Opts{
		Frequency: 433_775 * physic.KiloHertz,
		Modem:     lora.Modem{SF: lora.SF9, Bandwidth: lora.BW125, CodingRate: lora.CR4_5, Preamble: 8, CRC: true},
		Power:     14,
		Plan:      lora.Amateur70cm,
		Callsign:  "N0CALL-1",
	}
}

// Register addresses and fields, from the datasheet's table 41, written
// out here independently of the driver.
const (
	rOpMode, rFrfMsb, rPaConfig, rOcp, rLna              = 0x01, 0x06, 0x09, 0x0B, 0x0C
	rModemConfig1, rModemConfig2, rPreambleMsb, rPayload = 0x1D, 0x1E, 0x20, 0x22
	rModemConfig3, rDetectOptimize, rDetectThresh, rSync = 0x26, 0x31, 0x37, 0x39
	rPaDac                                               = 0x4D
)

func TestEverySettingAgainstTheChipModel(t *testing.T) {
	type mod func(o *lora.Opts)
	sf := func(s lora.SpreadingFactor) mod { return func(o *lora.Opts) { o.Modem.SF = s } }
	bw := func(b lora.Bandwidth) mod { return func(o *lora.Opts) { o.Modem.Bandwidth = b } }
	cr := func(c lora.CodingRate) mod { return func(o *lora.Opts) { o.Modem.CodingRate = c } }
	tests := []struct {
		name string
		mods []mod
	}{
		{"base SF9 125 kHz 4/5", nil},
		{"SF6 implicit", []mod{sf(lora.SF6), func(o *lora.Opts) { o.Modem.ImplicitHeader, o.PayloadLength = true, 24 }}},
		{"SF7", []mod{sf(lora.SF7)}}, {"SF8", []mod{sf(lora.SF8)}}, {"SF10", []mod{sf(lora.SF10)}},
		{"SF11 (LDRO auto on)", []mod{sf(lora.SF11)}}, {"SF12 (LDRO auto on)", []mod{sf(lora.SF12)}},
		{"7.8 kHz SF7 (LDRO)", []mod{bw(lora.BW7_8), sf(lora.SF7)}}, {"10.4 kHz", []mod{bw(lora.BW10_4), sf(lora.SF7)}},
		{"15.6 kHz", []mod{bw(lora.BW15_6), sf(lora.SF7)}}, {"20.8 kHz", []mod{bw(lora.BW20_8)}},
		{"31.25 kHz", []mod{bw(lora.BW31_25)}}, {"41.7 kHz", []mod{bw(lora.BW41_7)}},
		{"62.5 kHz", []mod{bw(lora.BW62_5)}}, {"250 kHz", []mod{bw(lora.BW250)}}, {"500 kHz", []mod{bw(lora.BW500)}},
		{"CR 4/6", []mod{cr(lora.CR4_6)}}, {"CR 4/7", []mod{cr(lora.CR4_7)}}, {"CR 4/8", []mod{cr(lora.CR4_8)}},
		{"no CRC", []mod{func(o *lora.Opts) { o.Modem.CRC = false }}},
		{"implicit header", []mod{func(o *lora.Opts) { o.Modem.ImplicitHeader, o.PayloadLength = true, 24 }}},
		{"preamble 6", []mod{func(o *lora.Opts) { o.Modem.Preamble = 6 }}},
		{"preamble 300", []mod{func(o *lora.Opts) { o.Modem.Preamble = 300 }}},
		{"LDRO forced on", []mod{func(o *lora.Opts) { o.Modem.LDRO = lora.LDROOn }}},
		{"sync word 0x34", []mod{func(o *lora.Opts) { o.SyncWord = 0x34 }}},
		{"PA_BOOST 2 dBm", []mod{func(o *lora.Opts) { o.Power = 2 }}},
		{"PA_BOOST 17 dBm", []mod{func(o *lora.Opts) { o.Power = 17 }}},
		{"PA_BOOST 18 dBm", []mod{func(o *lora.Opts) { o.Power = 18 }}},
		{"PA_BOOST 20 dBm", []mod{func(o *lora.Opts) { o.Power = 20 }}},
		{"RFO 0 dBm", []mod{func(o *lora.Opts) { o.Output, o.Power = lora.RFO, 0 }}},
		{"RFO 14 dBm", []mod{func(o *lora.Opts) { o.Output, o.Power = lora.RFO, 14 }}},
		{"OCP 240 mA", []mod{func(o *lora.Opts) { o.OCPMilliamps = 240 }}},
		{"LNA G3", []mod{func(o *lora.Opts) { o.LNA = lora.LNAG3 }}},
		{"LNA G6 with boost (LF: no boost)", []mod{func(o *lora.Opts) { o.LNA, o.LNABoost = lora.LNAG6, true }}},
		{"listen before talk", []mod{func(o *lora.Opts) { o.ListenBeforeTalk = true }}},
		{"SX1278", []mod{func(o *lora.Opts) { o.Variant = lora.SX1278 }}},
		{"SX1277 SF9", []mod{func(o *lora.Opts) { o.Variant = lora.SX1277 }}},
		{"SX1279", []mod{func(o *lora.Opts) { o.Variant = lora.SX1279 }}},
		{"EU868 g1 868.1 MHz with LNA boost", []mod{func(o *lora.Opts) {
			o.Frequency, o.Plan, o.Callsign, o.LNABoost = 868_100*physic.KiloHertz, lora.EU868, "", true
		}}},
		{"EU868 g3 869.525 MHz 250 kHz", []mod{bw(lora.BW250), func(o *lora.Opts) {
			o.Frequency, o.Plan, o.Callsign, o.Power = 869_525*physic.KiloHertz, lora.EU868, "", 20
		}}},
		{"US915 903.9 MHz SF7", []mod{sf(lora.SF7), func(o *lora.Opts) {
			o.Frequency, o.Plan, o.Callsign, o.Power = 903_900*physic.KiloHertz, lora.US915, "", 20
		}}},
		{"169 MHz band", []mod{func(o *lora.Opts) { o.Frequency, o.Plan = 169_400*physic.KiloHertz, nil }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := hamOpts()
			for _, m := range tt.mods {
				m(&o)
			}
			if o.Plan == nil { // no plan covers 169 MHz here: listen only
				exchangeReceiveOnly(t, o)
				return
			}
			exchange(t, o)
		})
	}
}

// exchange runs two stations with options o, sends a frame each way, and
// checks the frames, the chip's registers and the transmissions.
func exchange(t *testing.T, o lora.Opts) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testContext(t)
		air := medium.New(medium.Options{Seed: 9})
		a, closeA := attach(t, air, "a", o)
		defer closeA()
		b, closeB := attach(t, air, "b", o)
		defer closeB()
		air.ConnectBoth("a", "b", medium.Link{RSSI: -90, SNR: 5})
		checkRegisters(t, a, o)
		for i, pair := range [][2]*station{{a, b}, {b, a}, {a, b}} {
			n := 24
			if !o.Modem.ImplicitHeader {
				n = 10 + 40*i
			}
			msg := bytes.Repeat([]byte{byte('a' + i)}, n)
			if err := pair[0].dev.Send(ctx, msg); err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			f, err := pair[1].dev.Receive(ctx)
			if err != nil || !bytes.Equal(f.Payload, msg) {
				t.Fatalf("frame %d: %q, %v", i, f.Payload, err)
			}
			txs := pair[0].chip.Transmissions()
			tx := txs[len(txs)-1]
			if tx.Airtime != o.Modem.Airtime(n) || tx.PowerDBm != float64(o.Power) {
				t.Fatalf("chip sent %v at %v dBm, want %v at %d dBm", tx.Airtime, tx.PowerDBm, o.Modem.Airtime(n), o.Power)
			}
		}
	})
}

// exchangeReceiveOnly checks a listen-only driver receives from a chip
// driven by a two-way driver with no plan check (a lab setup).
func exchangeReceiveOnly(t *testing.T, o lora.Opts) {
	synctest.Test(t, func(t *testing.T) {
		o.Direction = radio.ReceiveOnly
		air := medium.New(medium.Options{})
		rx, closeRx := attach(t, air, "rx", o)
		defer closeRx()
		checkRegisters(t, rx, o)
		if err := rx.dev.Send(context.Background(), []byte("x")); err == nil {
			t.Fatal("receive-only driver sent")
		}
	})
}

// checkRegisters decodes the chip's registers with the datasheet layout
// and compares them with the options.
func checkRegisters(t *testing.T, s *station, o lora.Opts) {
	t.Helper()
	r := s.chip.Register
	m := o.Modem
	frf := uint64(r(rFrfMsb))<<16 | uint64(r(rFrfMsb+1))<<8 | uint64(r(rFrfMsb+2))
	want := int64(o.Frequency / physic.Hertz)
	// Frf * 32 MHz / 2^19 is within half a step (30.5 Hz) of the frequency.
	offset := int64(frf)*32_000_000 - want<<19
	implicit, crc := r(rModemConfig1)&1 != 0, r(rModemConfig2)&0x04 != 0
	ldro := r(rModemConfig3)&0x08 != 0
	checks := []struct {
		what      string
		got, want any
	}{
		{"frequency within half a 61 Hz step", offset >= -16_000_000 && offset <= 16_000_000, true},
		{"LowFrequencyModeOn", r(rOpMode)&0x08 != 0, want <= 525_000_000},
		{"LoRa mode", r(rOpMode)&0x80 != 0, true},
		{"Bw", lora.Bandwidth(r(rModemConfig1) >> 4), m.Bandwidth},
		{"CodingRate", lora.CodingRate(r(rModemConfig1) >> 1 & 7), m.CodingRate},
		{"implicit", implicit, m.ImplicitHeader},
		{"SpreadingFactor", lora.SpreadingFactor(r(rModemConfig2) >> 4), m.SF},
		{"RxPayloadCrcOn", crc, m.CRC},
		{"preamble", int(r(rPreambleMsb))<<8 | int(r(rPreambleMsb+1)), m.Preamble},
		{"LowDataRateOptimize", ldro, m.LowDataRateOptimize()},
		{"AgcAutoOn", r(rModemConfig3)&0x04 != 0, o.LNA == lora.LNAAuto},
		{"sync word", r(rSync), max(o.SyncWord, 0x12)},
		{"PaSelect PA_BOOST", r(rPaConfig)&0x80 != 0, o.Output == lora.PABoost},
		{"PaDac +20 dBm", r(rPaDac) == 0x87, o.Output == lora.PABoost && o.Power > 17},
		{"OcpOn", r(rOcp)&0x20 != 0, true},
		{"LnaBoostHf", r(rLna)&0x03 == 0x03, o.LNABoost && want > 525_000_000},
		{"DetectionOptimize", r(rDetectOptimize) & 7, map[bool]byte{true: 5, false: 3}[m.SF == lora.SF6]},
		{"DetectionThreshold", r(rDetectThresh), map[bool]byte{true: 0x0C, false: 0x0A}[m.SF == lora.SF6]},
	}
	if o.LNA != lora.LNAAuto {
		checks = append(checks, struct {
			what      string
			got, want any
		}{"LnaGain", r(rLna) >> 5, byte(o.LNA)})
	}
	if m.ImplicitHeader {
		checks = append(checks, struct {
			what      string
			got, want any
		}{"PayloadLength", int(r(rPayload)), o.PayloadLength})
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: register says %v, options say %v", c.what, c.got, c.want)
		}
	}
}
