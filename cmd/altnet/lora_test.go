package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// loraCLI runs the command line in this process and returns its exit
// status and output.
func loraCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestLoraAirtime(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		// The Semtech calculator's figures quoted in issue 5.
		{[]string{"--sf", "12", "--bw", "500", "--cr", "4/5", "--len", "1"}, "206.848"},
		{[]string{"--sf", "12", "--bw", "500", "--cr", "4/5", "--len", "192"}, "1476.608"},
		{[]string{"--sf", "8", "--bw", "125", "--cr", "4/6", "--len", "253"}, "827.904"},
		{[]string{"--sf", "8", "--bw", "125", "--cr", "4/6", "--preamble", "12", "--implicit", "--len", "10"}, "86.528"},
		{[]string{"--sf", "12", "--bw", "500", "--len", "1", "--no-crc"}, "165.888"},
		// LDRO: automatic at SF12/125 (32.768 ms symbol), forced off.
		{[]string{"--sf", "12", "--bw", "125", "--len", "64"}, "2793.472"},
		{[]string{"--sf", "12", "--bw", "125", "--len", "64", "--ldro", "off"}, "2465.792"},
		{[]string{"--sf", "7", "--bw", "125", "--len", "13", "--ldro", "on"}, "51.456"}, // 38 symbols instead of 33,
	}
	for _, tt := range tests {
		code, out, errOut := loraCLI(append([]string{"lora", "airtime"}, tt.args...)...)
		if code != 0 || out != tt.want+"\n" {
			t.Errorf("%v: exit %d, %q %q, want %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

func TestLoraAirtimeBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--sf", "9", "--bw", "125"},
		{"--sf", "6", "--bw", "125", "--len", "10"},
		{"--sf", "13", "--bw", "125", "--len", "10"},
		{"--sf", "9", "--bw", "100", "--len", "10"},
		{"--sf", "9", "--bw", "125", "--len", "256"},
		{"--sf", "9", "--bw", "125", "--len", "10", "--cr", "4/9"},
		{"--sf", "9", "--bw", "125", "--len", "10", "--ldro", "maybe"},
		{"--sf", "9", "--bw", "125", "--len", "10", "--preamble", "2"},
		{"--sf", "9", "--bw", "125", "--len", "10", "extra"},
	} {
		code, out, errOut := loraCLI(append([]string{"lora", "airtime"}, args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, "altnet lora airtime") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

func TestLoraPlans(t *testing.T) {
	code, out, _ := loraCLI("lora", "plans")
	for _, want := range []string{"eu868", "868.000-868.600 MHz", "0.1%", "27 dBm ERP", "us915", "400ms", "amateur-70cm", "callsign"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
}
