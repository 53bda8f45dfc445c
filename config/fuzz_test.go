package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no configuration file, however damaged, panics the
// parser, and that whatever it accepts validates.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "altnet.toml")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("[[radio]]\ntype = \"lora\"\nboard = \"dragino-lora-gps-hat\"\nsf = 12\n"))
	f.Add([]byte("callsign = \"n0call-1\"\n[[radio]]\ntype = \"kiss-serial\"\ndevice = \"/dev/ttyUSB0\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a configuration that does not validate: %v", err)
		}
	})
}
