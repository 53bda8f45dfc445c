package lora

import (
	"testing"
	"time"
)

// TestAirtimeMatchesSemtechCalculator checks the time on air against the
// Semtech LoRa calculator's figures (the ones quoted in the issue and in
// micropython-lib's test_time_on_air.py) and brocaar/lorawan's airtime
// tests.
func TestAirtimeMatchesSemtechCalculator(t *testing.T) {
	tests := []struct {
		sf       SpreadingFactor
		bw       float64 // kHz
		cr       CodingRate
		ldro     LDRO
		preamble int
		n        int
		explicit bool
		crc      bool
		want     string
	}{
		{12, 500, CR4_5, LDROOff, 8, 1, true, true, "206.848ms"},
		{12, 500, CR4_5, LDROOff, 12, 64, true, true, "649.216ms"},
		{12, 500, CR4_5, LDROOff, 8, 1, true, false, "165.888ms"},
		{12, 500, CR4_5, LDROOff, 8, 192, true, true, "1476.608ms"},
		{12, 500, CR4_5, LDROOff, 12, 16, false, false, "280.576ms"},
		{8, 125, CR4_6, LDROOff, 8, 1, true, true, "53.76ms"},
		{8, 125, CR4_6, LDROOff, 8, 3, true, true, "66.048ms"},
		{8, 125, CR4_6, LDROOff, 8, 253, true, true, "827.904ms"},
		{8, 125, CR4_6, LDROOff, 12, 5, false, true, "61.952ms"},
		{8, 125, CR4_6, LDROOff, 12, 10, false, true, "86.528ms"},
		{8, 125, CR4_6, LDROOff, 12, 253, false, true, "823.808ms"},
		// The calculator prints 12824.568 and 11448.752 ms for these two:
		// it takes 10.42 kHz, where the chip's bandwidth is exactly
		// 32 MHz/3072 = 10416.67 Hz (symbol 196.608 ms, not 196.545 ms).
		{11, 10.4, CR4_7, LDROOn, 25, 16, true, true, "12828.672ms"},
		{11, 10.4, CR4_7, LDROOn, 25, 16, false, false, "11452.416ms"},
		{12, 125, CR4_5, LDROOff, 8, 13, true, true, "1155.072ms"},
		{12, 125, CR4_5, LDROAuto, 8, 64, true, true, "2793.472ms"},
		{7, 125, CR4_5, LDROAuto, 8, 255, true, true, "399.616ms"},
		{9, 125, CR4_5, LDROAuto, 8, 39, true, true, "267.264ms"},
	}
	for _, tt := range tests {
		bw, err := BandwidthFromKHz(tt.bw)
		if err != nil {
			t.Fatal(err)
		}
		m := Modem{SF: tt.sf, Bandwidth: bw, CodingRate: tt.cr, Preamble: tt.preamble,
			ImplicitHeader: !tt.explicit, CRC: tt.crc, LDRO: tt.ldro}
		want, _ := time.ParseDuration(tt.want)
		if got := m.Airtime(tt.n); got != want {
			t.Errorf("%v, %d bytes: airtime %v, want %v", m, tt.n, got, want)
		}
	}
}

func TestLowDataRateOptimizeAuto(t *testing.T) {
	tests := []struct {
		sf   SpreadingFactor
		bw   Bandwidth
		want bool
	}{
		{SF10, BW125, false}, // 8.192 ms
		{SF11, BW125, true},  // 16.384 ms
		{SF12, BW250, true},  // 16.384 ms
		{SF11, BW250, false}, // 8.192 ms
		{SF7, BW7_8, true},   // 16.384 ms
		{SF6, BW10_4, false}, // 6.144 ms
	}
	for _, tt := range tests {
		m := Modem{SF: tt.sf, Bandwidth: tt.bw, CodingRate: CR4_5, Preamble: 8}
		if got := m.LowDataRateOptimize(); got != tt.want {
			t.Errorf("%v/%v (symbol %v): LDRO %v, want %v", tt.sf, tt.bw, m.SymbolTime(), got, tt.want)
		}
	}
}

func TestModemValidate(t *testing.T) {
	ok := Modem{SF: SF9, Bandwidth: BW125, CodingRate: CR4_5, Preamble: 8, CRC: true}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []Modem{
		{SF: 5, Bandwidth: BW125, CodingRate: CR4_5, Preamble: 8},
		{SF: SF6, Bandwidth: BW125, CodingRate: CR4_5, Preamble: 8},
		{SF: SF9, Bandwidth: 10, CodingRate: CR4_5, Preamble: 8},
		{SF: SF9, Bandwidth: BW125, CodingRate: 0, Preamble: 8},
		{SF: SF9, Bandwidth: BW125, CodingRate: CR4_5, Preamble: 5},
		{SF: SF9, Bandwidth: BW125, CodingRate: CR4_5, Preamble: 8, LDRO: 3},
	}
	for _, m := range bad {
		if err := m.Validate(); err == nil {
			t.Errorf("%+v validated", m)
		}
	}
	if _, err := BandwidthFromKHz(100); err == nil {
		t.Error("100 kHz accepted")
	}
}
