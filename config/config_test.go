package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExampleParses(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "altnet.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Roles.Uplink || c.Callsign != "N0CALL-7" || len(c.Radios) != 2 {
		t.Fatalf("parsed %+v", c)
	}
	lora, vhf := c.Radios[0], c.Radios[1]
	if lora.SF != 9 || lora.Bandwidth != 125 || lora.SyncWord != 0x12 || !lora.Process || lora.Loss != 0.2 || lora.Delivery != 0.99 {
		t.Errorf("lora radio %+v", lora)
	}
	if f, err := lora.FrequencyHz(); err != nil || f != 869525000_000_000 {
		t.Errorf("frequency %v, %v", f, err)
	}
	if vhf.TXDelay.Duration != 300*time.Millisecond || len(vhf.Via) != 1 || vhf.Airtime != 10 {
		t.Errorf("vhf radio %+v", vhf)
	}
	if c.Tx.Repeat.Duration != 10*time.Minute {
		t.Errorf("tx.repeat %v", c.Tx.Repeat)
	}
}

func TestEmptyFileIsDefault(t *testing.T) {
	c, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if c.Network != d.Network || c.Broadcast != d.Broadcast || c.Tx != d.Tx || c.DataDir != d.DataDir {
		t.Fatalf("empty file gave %+v", c)
	}
}

func TestDefaultsOfARadio(t *testing.T) {
	c, err := Parse([]byte("callsign = \"n0call\"\n[[radio]]\ntype = \"lora\"\nboard = \"dragino-lora-gps-hat\"\n[[radio]]\ntype = \"kiss-tcp\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	l, k := c.Radios[0], c.Radios[1]
	if l.Name != "lora0" || l.Plan != "eu868" || l.Frequency != "869.525MHz" || l.SF != 9 || l.Power != 14 || len(l.Carry) != 5 {
		t.Errorf("lora defaults %+v", l)
	}
	if k.Name != "kiss1" || k.Address != "127.0.0.1:8001" || k.BitRate != 1200 || k.Paclen != 256 {
		t.Errorf("kiss defaults %+v", k)
	}
}

// TestExplicitZeroIsKept: a key written with the value 0 is the operator's
// choice, not a missing key: persist = 0 is p = 1/256, and delivery = 0
// on a one-way link means no FEC parity. Only keys left out get defaults.
func TestExplicitZeroIsKept(t *testing.T) {
	in := `callsign = "N0CALL"
[[radio]]
type = "lora"
board = "adafruit-rfm9x-bonnet"
direction = "transmit-only"
delivery = 0
[[radio]]
type = "kiss-tcp"
persist = 0
[[radio]]
type = "lora"
board = "adafruit-rfm9x-bonnet"
direction = "transmit-only"
[[radio]]
type = "kiss-tcp"
`
	c, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Radios[0]; r.Delivery != 0 || r.Loss != DefaultLossOneWay {
		t.Errorf("radio[0] delivery %g, loss %g: want the explicit 0 and the one-way default loss", r.Delivery, r.Loss)
	}
	if r := c.Radios[1]; r.Persist != 0 {
		t.Errorf("radio[1].persist = %d, want the explicit 0", r.Persist)
	}
	if r := c.Radios[2]; r.Delivery != DefaultDeliveryOneWay {
		t.Errorf("radio[2].delivery = %g, want the one-way default", r.Delivery)
	}
	if r := c.Radios[3]; r.Persist != 63 || r.Loss != DefaultLossTwoWay || r.Delivery != DefaultDeliveryTwoWay {
		t.Errorf("radio[3] persist %d, loss %g, delivery %g: want the two-way defaults", r.Persist, r.Loss, r.Delivery)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	lora := "[[radio]]\ntype = \"lora\"\nboard = \"adafruit-rfm9x-bonnet\"\n"
	tests := []struct {
		in, want string
	}{
		{`network = "mainnet2"`, `config: network: "mainnet2" is not mainnet, testnet3, signet or regtest`},
		{`colour = "blue"`, "config: colour: unknown key"},
		{"[roles]\nuplink = true", "config: node.connect: the uplink role needs a full node to follow"},
		{"[node]\nconnect = \"localhost\"", `config: node.connect: "localhost" is not host:port`},
		{"[tx]\nrepeat = \"soon\"", `"soon" is not a duration like 90s or 5m`},
		{"[tx]\nrepeat = \"1m\"", "config: tx.repeat: 1m0s is shorter than the 5m0s for which a gateway drops a repeat"},
		{"[tx]\nattempts = 0", "config: tx.attempts: 0: must be at least 1"},
		{"[tx]\nack_key = \"hunter2\"", "config: tx.ack_key: 7 bytes; use at least 16"},
		{"[alert]\ncommand = [\"notify-send\"]", `config: alert.command: "notify-send" is not an absolute path`},
		{"[broadcast]\ncarousel = -1", "config: broadcast.carousel: -1 not in 0..100000"},
		{lora + "carousel = 100001", "config: radio[0].carousel: 100001 not in 0..100000"},
		{"[roles]\nsender = true", "config: roles.sender: no radio can transmit"},
		{"[roles]\nsender = true\n" + lora + "direction = \"receive-only\"", "config: roles.sender: no radio can transmit"},
		{"[broadcast]\nheaders_per_message = 500", "config: broadcast.headers_per_message: 500 not in 1..200"},
		{`callsign = "TOOLONGCALL"`, `config: callsign: "TOOLONGCALL" is not a callsign`},
		{`callsign = "N0CALL-16"`, `config: callsign: "N0CALL-16" is not a callsign`},
		{lora + "sf = 13", "config: radio[0].sf: 13 not in 6..12"},
		{lora + "frequency = \"fast\"", `config: radio[0].frequency: "fast"`},
		{lora + "coding_rate = \"1/2\"", `config: radio[0].coding_rate: "1/2" is not 4/5, 4/6, 4/7 or 4/8`},
		{lora + "power = 30", "config: radio[0].power: 30 dBm not in 2..20"},
		{lora + "power = 0", "config: radio[0].power: 0 dBm not in 2..20"}, // not the default 14
		{lora + "direction = \"sideways\"", `config: radio[0].direction: "sideways" is not two-way`},
		{lora + "carry = [\"blocks\"]", `config: radio[0].carry: "blocks" is not one of headers`},
		{lora + "colour = 1", "config: radio.colour: unknown key"},
		{"[[radio]]\ntype = \"lora\"\nboard = \"pi-hat-9000\"", `config: radio[0].board: board: no profile "pi-hat-9000"`},
		{"[[radio]]\ntype = \"lora\"", "config: radio[0].board: missing"},
		{"[[radio]]\ntype = \"wifi\"", `config: radio[0].type: "wifi" is not lora, kiss-tcp or kiss-serial`},
		{"[[radio]]\ntype = \"kiss-tcp\"", "config: callsign: missing: radio \"kiss0\" transmits on an amateur band"},
		{"callsign = \"N0CALL\"\n[[radio]]\ntype = \"kiss-serial\"", "config: radio[0].device: missing"},
		{"callsign = \"N0CALL\"\n[[radio]]\ntype = \"kiss-tcp\"\nbit_rate = 300", "config: radio[0].bit_rate: 300 is not 1200 or 9600"},
		{"callsign = \"N0CALL\"\n[[radio]]\ntype = \"kiss-tcp\"\nvia = [\"WIDE1-1\", \"bad call\"]", `config: radio[0].via[1]: "bad call" is not a callsign`},
		{lora + "name = \"x\"\n" + lora + "name = \"x\"\n", `config: radio[1].name: "x" used twice`},
		{"network = ", "config: line 1:"},
		// NaN compares false with every bound: it must not slip through.
		{lora + "loss = nan", "config: radio[0].loss: NaN not in 0..0.9"},
		{lora + "loss = 0.95", "config: radio[0].loss: 0.95 not in 0..0.9"},
		{lora + "delivery = 1", "config: radio[0].delivery: 1 not in 0..0.9999"},
		{lora + "redundancy = 1.5", "config: radio.redundancy: unknown key"},
		{lora + "bandwidth = 100", "config: radio[0].bandwidth: 100 kHz is not an SX127x bandwidth"},
		{lora + "bandwidth = nan", "config: radio[0].bandwidth: NaN kHz is not an SX127x bandwidth"},
		{lora + "plan = \"eu433\"", `config: radio[0].plan: "eu433" is not one of eu868, us915, amateur-70cm`},
		{lora + "frequency = \"915MHz\"", `config: radio[0].frequency: 915MHz is outside plan eu868`},
		{lora + "plan = \"amateur-70cm\"\nfrequency = \"433.775MHz\"", `config: callsign: missing: radio "lora0" transmits on an amateur band`},
		{"callsign = \"N0CALL\"\n[[radio]]\ntype = \"kiss-tcp\"\nairtime = nan", "config: radio[0].airtime: NaN% not in (0, 100]"},
		{"callsign = \"N0CALL\"\n[[radio]]\ntype = \"kiss-tcp\"\ntxdelay = \"-10ms\"", "config: radio[0].txdelay: -10ms not in 0..2.55s"},
		{"callsign = \"N0CALL\"\n[[radio]]\ntype = \"kiss-tcp\"\nslot_time = \"3s\"", "config: radio[0].slot_time: 3s not in 0..2.55s"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
}

// TestAmateurLoRaReceiveOnlyNeedsNoCallsign: only transmitting on an
// amateur band needs the operator's callsign.
func TestAmateurLoRaReceiveOnlyNeedsNoCallsign(t *testing.T) {
	in := "[[radio]]\ntype = \"lora\"\nboard = \"adafruit-rfm9x-bonnet\"\nplan = \"amateur-70cm\"\nfrequency = \"433.775MHz\"\ndirection = \"receive-only\"\n"
	if _, err := Parse([]byte(in)); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "none.toml")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load of a missing file: %v", err)
	}
}

// TestDocumentedExampleIsTheTestedOne: docs/configuration.md and the
// README show the example this package's tests parse, byte for byte.
func TestDocumentedExampleIsTheTestedOne(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("testdata", "altnet.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{filepath.Join("..", "docs", "configuration.md"), filepath.Join("..", "README.md")} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		_, block, found := strings.Cut(string(b), "```toml\n")
		block, _, closed := strings.Cut(block, "```")
		if !found || !closed || block != string(example) {
			t.Errorf("%s: the example differs from testdata/altnet.toml", doc)
		}
	}
}

// TestCarouselPerRadio: a radio repeats broadcast.carousel headers unless
// it says otherwise; 0 means no carousel on that radio.
func TestCarouselPerRadio(t *testing.T) {
	in := `callsign = "N0CALL"
[broadcast]
carousel = 288
[[radio]]
type = "lora"
board = "adafruit-rfm9x-bonnet"
[[radio]]
type = "kiss-tcp"
carousel = 50000
[[radio]]
type = "kiss-tcp"
carousel = 0
`
	c, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{288, 50000, 0} {
		if got := c.Radios[i].Carousel; got != want {
			t.Errorf("radio[%d].carousel = %d, want %d", i, got, want)
		}
	}
}
