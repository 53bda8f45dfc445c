package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/altnet/altnet/lora"
)

// loraCommand groups the LoRa operator tools.
func loraCommand() *command {
	return &command{
		name:    "lora",
		summary: "LoRa tools: exact time on air, regional plans",
		subs:    []*command{loraAirtimeCommand(), loraPlansCommand()},
	}
}

// airtimeFlags are the settings of `altnet lora airtime`.
type airtimeFlags struct {
	sf, length, preamble int
	bw                   float64
	cr, ldro             string
	implicit, noCRC      bool
}

func loraAirtimeCommand() *command {
	f := &airtimeFlags{}
	return &command{
		name:    "airtime",
		summary: "print the time on air of one LoRa frame in ms (Semtech AN1200.13)",
		long: `Computes the exact time on air of a LoRa frame on the SX127x, as the
Semtech LoRa calculator does, and prints it in milliseconds with three
decimals. LowDataRateOptimize is switched on automatically when the symbol
lasts 16 ms or more, as the driver does (--ldro auto).`,
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&f.sf, "sf", 0, "spreading factor, 6..12 (required)")
			fs.Float64Var(&f.bw, "bw", 0, "bandwidth in kHz: 7.8, 10.4, 15.6, 20.8, 31.25, 41.7, 62.5, 125, 250 or 500 (required)")
			fs.StringVar(&f.cr, "cr", "4/5", "coding rate: 4/5, 4/6, 4/7 or 4/8")
			fs.IntVar(&f.length, "len", 0, "payload length in bytes, 1..255 (required)")
			fs.IntVar(&f.preamble, "preamble", 8, "preamble length in symbols (RegPreamble), 6..65535")
			fs.BoolVar(&f.implicit, "implicit", false, "implicit header (no explicit header; required at SF6)")
			fs.BoolVar(&f.noCRC, "no-crc", false, "no payload CRC")
			fs.StringVar(&f.ldro, "ldro", "auto", "LowDataRateOptimize: auto, on or off")
		},
		run: func(e *env, args []string) error {
			if err := noArgs("altnet lora airtime", args); err != nil {
				return err
			}
			m, err := f.modem()
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, millis(m.Airtime(f.length)))
			return nil
		},
	}
}

// modem checks the flags and turns them into modem settings.
func (f *airtimeFlags) modem() (lora.Modem, error) {
	const cmd = "altnet lora airtime"
	if f.sf == 0 || f.bw == 0 || f.length == 0 {
		return lora.Modem{}, usagef("%s: --sf, --bw and --len are required (run '%s --help')", cmd, cmd)
	}
	if f.length < 1 || f.length > 255 {
		return lora.Modem{}, usagef("%s: --len %d: a LoRa payload has 1 to 255 bytes", cmd, f.length)
	}
	bw, err := lora.BandwidthFromKHz(f.bw)
	if err != nil {
		return lora.Modem{}, usagef("%s: --bw: %v", cmd, err)
	}
	cr, ok := map[string]lora.CodingRate{"4/5": lora.CR4_5, "4/6": lora.CR4_6, "4/7": lora.CR4_7, "4/8": lora.CR4_8}[f.cr]
	if !ok {
		return lora.Modem{}, usagef("%s: --cr %q: want 4/5, 4/6, 4/7 or 4/8", cmd, f.cr)
	}
	ldro, ok := map[string]lora.LDRO{"auto": lora.LDROAuto, "on": lora.LDROOn, "off": lora.LDROOff}[f.ldro]
	if !ok {
		return lora.Modem{}, usagef("%s: --ldro %q: want auto, on or off", cmd, f.ldro)
	}
	m := lora.Modem{SF: lora.SpreadingFactor(f.sf), Bandwidth: bw, CodingRate: cr, Preamble: f.preamble,
		ImplicitHeader: f.implicit, CRC: !f.noCRC, LDRO: ldro}
	if err := m.Validate(); err != nil {
		return lora.Modem{}, usagef("%s: %v", cmd, strings.TrimPrefix(err.Error(), "lora: "))
	}
	return m, nil
}

// millis formats d in milliseconds with three decimals; LoRa times on air
// are whole microseconds, so nothing is rounded.
func millis(d time.Duration) string {
	us := int64(d / time.Microsecond)
	return strconv.FormatInt(us/1000, 10) + "." + fmt.Sprintf("%03d", us%1000)
}

func loraPlansCommand() *command {
	return &command{
		name:    "plans",
		summary: "list the regional plans the LoRa driver enforces",
		run: func(e *env, args []string) error {
			if err := noArgs("altnet lora plans", args); err != nil {
				return err
			}
			for i, p := range lora.Plans() {
				if i > 0 {
					fmt.Fprintln(e.stdout)
				}
				fmt.Fprint(e.stdout, p)
			}
			return nil
		},
	}
}
