package lora

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/altnet/altnet/radio"
	"periph.io/x/conn/v3/physic"
)

func TestSubBandFor(t *testing.T) {
	tests := []struct {
		plan *Plan
		f    physic.Frequency
		bw   Bandwidth
		want string // sub-band name, "" for none
	}{
		{EU868, 868_100 * physic.KiloHertz, BW125, "g1"},
		{EU868, 868_062_500 * physic.Hertz, BW125, "g1"}, // lower edge exactly at 868.0
		{EU868, 868_062_499 * physic.Hertz, BW125, ""},
		{EU868, 868_500 * physic.KiloHertz, BW250, ""}, // 868.375-868.625 crosses 868.6
		{EU868, 868_900 * physic.KiloHertz, BW125, "g2"},
		{EU868, 869_525 * physic.KiloHertz, BW250, "g3"}, // 869.4-869.65 exactly
		{EU868, 869_525 * physic.KiloHertz, BW500, ""},
		{EU868, 867_100 * physic.KiloHertz, BW125, ""},
		{US915, 903_900 * physic.KiloHertz, BW125, "ism"},
		{US915, 927_900 * physic.KiloHertz, BW500, ""},
		{Amateur70cm, 433_775 * physic.KiloHertz, BW125, "70cm"},
		{Amateur70cm, 868_100 * physic.KiloHertz, BW125, ""},
	}
	for _, tt := range tests {
		i, err := tt.plan.SubBandFor(tt.f, tt.bw)
		got := ""
		if err == nil {
			got = tt.plan.SubBands[i].Name
		}
		if got != tt.want {
			t.Errorf("%s %s %v: sub-band %q (%v), want %q", tt.plan.Name, tt.f, tt.bw, got, err, tt.want)
		}
	}
}

func TestPlanPower(t *testing.T) {
	tests := []struct {
		plan *Plan
		f    physic.Frequency
		dbm  int
		gain float64
		ok   bool
	}{
		{EU868, 868_100 * physic.KiloHertz, 14, 0, true},
		{EU868, 868_100 * physic.KiloHertz, 14, 2.15, true}, // 14 dBm ERP exactly
		{EU868, 868_100 * physic.KiloHertz, 14, 3, false},
		{EU868, 868_100 * physic.KiloHertz, 16, 0, true}, // 13.85 dBm ERP
		{EU868, 869_525 * physic.KiloHertz, 20, 9, true}, // 26.85 dBm ERP
		{EU868, 869_525 * physic.KiloHertz, 20, 10, false},
		{US915, 903_900 * physic.KiloHertz, 20, 6, true},
		{US915, 903_900 * physic.KiloHertz, 20, 8, false},
		{Amateur70cm, 433_775 * physic.KiloHertz, 20, 15, true},
	}
	for _, tt := range tests {
		err := tt.plan.check(tt.f, BW125, tt.dbm, tt.gain)
		if (err == nil) != tt.ok {
			t.Errorf("%s %s %d dBm %.2f dBi: %v", tt.plan.Name, tt.f, tt.dbm, tt.gain, err)
		}
	}
}

func TestBudgetAllowancesAndDwell(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		sb   int
		want time.Duration
	}{{0, 36 * time.Second}, {1, 3600 * time.Millisecond}, {2, 360 * time.Second}} {
		b := newBudget("t", EU868, tt.sb)
		if st := b.state(now); !st.Limited || st.Allowed != tt.want || st.Window != time.Hour {
			t.Errorf("%s: %+v", EU868.SubBands[tt.sb].Name, st)
		}
	}
	b := newBudget("t", EU868, 0)
	if err := b.admit(now, 37*time.Second, true); !errors.Is(err, radio.ErrBudget) {
		t.Fatalf("37 s frame in a 36 s allowance: %v", err)
	}
	us := newBudget("t", US915, 0)
	if st := us.state(now); st.Limited || st.MaxFrame != 400*time.Millisecond {
		t.Fatalf("US915 %+v", st)
	}
	if err := us.admit(now, 400*time.Millisecond, true); err != nil {
		t.Fatal(err)
	}
	var be *radio.BudgetError
	if err := us.admit(now, 401*time.Millisecond, true); !errors.As(err, &be) || be.Wait != 0 {
		t.Fatalf("401 ms frame under a 400 ms dwell: %v", err)
	}
}

func TestPlanListing(t *testing.T) {
	s := EU868.String()
	for _, want := range []string{"eu868", "868.000-868.600 MHz", "duty cycle 1%", "0.1%", "10%", "27 dBm ERP"} {
		if !strings.Contains(s, want) {
			t.Errorf("EU868 listing lacks %q:\n%s", want, s)
		}
	}
	if s := US915.String(); !strings.Contains(s, "400ms") || !strings.Contains(s, "30 dBm conducted") {
		t.Errorf("US915 listing:\n%s", s)
	}
	if s := Amateur70cm.String(); !strings.Contains(s, "callsign required") {
		t.Errorf("amateur listing:\n%s", s)
	}
	if p, err := PlanByName("us915"); err != nil || p != US915 {
		t.Fatal(p, err)
	}
	if _, err := PlanByName("mars"); err == nil {
		t.Fatal("unknown plan found")
	}
}

func TestRegisterEncodings(t *testing.T) {
	for _, tt := range []struct {
		f    physic.Frequency
		want uint32
	}{
		{868_100 * physic.KiloHertz, 0xD90666}, // 868.1 MHz / 61.035 Hz = 14222950.4
		{433_775 * physic.KiloHertz, 0x6C719A},
		{915 * physic.MegaHertz, 0xE4C000},
		{434 * physic.MegaHertz, 0x6C8000}, // the reset value
	} {
		if got := frfFor(tt.f); got != tt.want {
			t.Errorf("Frf(%s) = %#x, want %#x", tt.f, got, tt.want)
		}
	}
	for _, tt := range []struct {
		out  Output
		dbm  int
		want byte
	}{{PABoost, 2, 0xF0}, {PABoost, 14, 0xFC}, {PABoost, 17, 0xFF}, {PABoost, 20, 0xFF}, {PABoost, 18, 0xFD}, {RFO, 0, 0x70}, {RFO, 14, 0x7E}} {
		if got := paConfig(tt.out, tt.dbm); got != tt.want {
			t.Errorf("PaConfig(%v, %d) = %#x, want %#x", tt.out, tt.dbm, got, tt.want)
		}
	}
	for ma, want := range map[int]byte{45: 0x20, 100: 0x2B, 120: 0x2F, 140: 0x31, 240: 0x3B} {
		if got := ocp(ma); got != want {
			t.Errorf("Ocp(%d mA) = %#x, want %#x", ma, got, want)
		}
	}
	m := Modem{SF: SF12, Bandwidth: BW125, CodingRate: CR4_8, Preamble: 8, ImplicitHeader: true}
	if a, b, c := modemConfig1(m), modemConfig2(m), modemConfig3(m, LNAAuto); a != 0x79 || b != 0xC0 || c != 0x0C {
		t.Errorf("ModemConfig %#x %#x %#x, want 0x79 0xC0 0x0C", a, b, c)
	}
	if got := lna(LNAG2, true); got != 0x43 {
		t.Errorf("Lna = %#x", got)
	}
}
