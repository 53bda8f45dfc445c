package lora_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/lora/sx127xsim"
	"github.com/altnet/altnet/radio/medium"
	"periph.io/x/conn/v3/physic"
)

// Example runs two gateways on EU868 868.1 MHz. On a Raspberry Pi the
// board package hands lora.New the SPI port and the RESET and DIO0 pins
// (after host.Init); here they are two register-level chip models on a
// simulated medium, which is how the simulator runs the same driver.
func Example() {
	air := medium.New(medium.Options{})
	air.ConnectBoth("hilltop", "valley", medium.Link{RSSI: -110, SNR: -3})
	open := func(name string) *lora.Dev {
		chip, err := sx127xsim.New(air, name, nil)
		if err != nil {
			log.Fatal(err)
		}
		dev, err := lora.New(chip, chip.Reset(), chip.DIO0(), &lora.Opts{
			Name:      name,
			Frequency: 868_100 * physic.KiloHertz,
			Modem:     lora.Modem{SF: lora.SF7, Bandwidth: lora.BW125, CodingRate: lora.CR4_5, Preamble: 8, CRC: true},
			Power:     14,
			Plan:      lora.EU868,
		})
		if err != nil {
			log.Fatal(err)
		}
		return dev
	}
	hilltop, valley := open("hilltop"), open("valley")
	defer hilltop.Close()
	defer valley.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg := []byte("block 800000 header")
	fmt.Println("time on air:", hilltop.Airtime(len(msg)))
	if err := hilltop.Send(ctx, msg); err != nil {
		log.Fatal(err)
	}
	f, err := valley.Receive(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s heard %q at %d dBm, SNR %.2f dB\n", f.Driver, f.Payload, f.RSSI, f.SNR)
	b := hilltop.Budget()
	fmt.Printf("budget: %v of %v used per hour\n", b.Used, b.Allowed)
	// Output:
	// time on air: 51.456ms
	// valley heard "block 800000 header" at -110 dBm, SNR -3.00 dB
	// budget: 51.456ms of 36s used per hour
}
