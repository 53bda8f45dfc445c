package sx127xsim

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"

	"github.com/altnet/altnet/lora"
	"github.com/altnet/altnet/radio/medium"
	"periph.io/x/conn/v3/gpio"
)

// transmit loads payload into the FIFO at FifoTxBaseAddr and starts TX.
func (b *bus) transmit(payload []byte) {
	b.t.Helper()
	b.write(regFifoAddrPtr, b.read(regFifoTxBaseAddr, 1)[0])
	b.write(regFifo, payload...)
	b.write(regPayloadLength, byte(len(payload)))
	b.write(regDioMapping1, 0x40) // DIO0 = TxDone
	b.write(regOpMode, b.read(regOpMode, 1)[0]&^opModeMask|modeTX)
}

func TestTransmitLastsItsTimeOnAir(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBus(t, medium.New(medium.Options{}), "c")
		b.loraStandby()
		dio0 := b.chip.DIO0()
		start := time.Now()
		b.transmit([]byte("0123456789"))
		// SF9/125 kHz/CR4-5, preamble 8, explicit, CRC, 10 bytes.
		want := 144384 * time.Microsecond // 35.25 symbols of 4.096 ms
		if l := <-dio0.EdgesChan; l != gpio.High {
			t.Fatalf("edge %v", l)
		}
		if got := time.Since(start); got != want {
			t.Fatalf("TxDone after %v, want %v", got, want)
		}
		if f := b.read(regIrqFlags, 1)[0]; f != irqTxDone {
			t.Fatalf("flags %#x", f)
		}
		if m, _ := b.chip.Mode(); m != "STDBY" {
			t.Fatalf("mode after TX %s", m)
		}
		b.write(regIrqFlags, irqTxDone)
		if dio0.Read() != gpio.Low || b.read(regIrqFlags, 1)[0] != 0 {
			t.Fatal("writing 1 did not clear TxDone and DIO0")
		}
		if r := b.rules(); r != "" {
			t.Fatal(r)
		}
	})
}

func TestTimeOnAirMatchesTheLoraPackage(t *testing.T) {
	for sf := uint8(6); sf <= 12; sf++ {
		for bw := uint8(0); bw <= 9; bw++ {
			for cr := uint8(1); cr <= 4; cr++ {
				for _, hdr := range []bool{false, true} {
					s := settings{sf: sf, bw: bw, cr: cr, implicit: hdr || sf == 6, crc: !hdr, preamble: 8,
						ldro: (uint64(1)<<sf)*bandwidthDivider[bw]*125/4 >= 16e6}
					m := lora.Modem{SF: lora.SpreadingFactor(sf), Bandwidth: lora.Bandwidth(bw), CodingRate: lora.CodingRate(cr),
						Preamble: 8, ImplicitHeader: s.implicit, CRC: s.crc}
					for _, n := range []int{1, 13, 64, 255} {
						if got, want := s.timeOnAir(n), m.Airtime(n); got != want {
							t.Fatalf("%v, %d bytes: model %v, lora %v", m, n, got, want)
						}
					}
				}
			}
		}
	}
}

func TestReceptionNeedsMatchingSettings(t *testing.T) {
	tests := []struct {
		name  string
		setup func(rx *bus)
		heard bool
	}{
		{"same settings", func(rx *bus) {}, true},
		{"other coding rate, explicit header carries it", func(rx *bus) { rx.write(regModemConfig1, 0x78) }, true},
		{"other spreading factor", func(rx *bus) { rx.write(regModemConfig2, 0x84) }, false},
		{"other bandwidth", func(rx *bus) { rx.write(regModemConfig1, 0x82) }, false},
		{"other sync word", func(rx *bus) { rx.write(regSyncWord, 0x34) }, false},
		{"other frequency", func(rx *bus) { rx.write(regFrfMsb, 0xD9, 0x13, 0x33) }, false},
		{"implicit header", func(rx *bus) { rx.write(regModemConfig1, 0x73) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				air := medium.New(medium.Options{})
				tx, rx := newBus(t, air, "tx"), newBus(t, air, "rx")
				air.Connect("tx", "rx", medium.Link{RSSI: -80, SNR: 9})
				tx.loraStandby()
				rx.loraStandby()
				tt.setup(rx)
				rx.write(regOpMode, 0x85)
				tx.transmit([]byte("abc"))
				time.Sleep(time.Second)
				flags := rx.read(regIrqFlags, 1)[0]
				if heard := flags&irqRxDone != 0; heard != tt.heard {
					t.Fatalf("RxDone %v, want %v (flags %#x)", heard, tt.heard, flags)
				}
				if tt.heard {
					cur, n := rx.read(regFifoRxCurrent, 1)[0], rx.read(regRxNbBytes, 1)[0]
					rx.write(regFifoAddrPtr, cur)
					if got := rx.read(regFifo, int(n)); string(got) != "abc" || flags != irqRxDone|irqValidHeader {
						t.Fatalf("received %q, flags %#x", got, flags)
					}
				}
			})
		})
	}
}

func TestSignalRegistersAndCRCErrors(t *testing.T) {
	tests := []struct {
		name       string
		frf        []byte
		opMode     byte
		link       medium.Link
		snr, rssi  byte
		crcErrors  int
		belowFloor int
	}{
		{"HF port, positive SNR", []byte{0xD9, 0x06, 0x66}, 0x80, medium.Link{RSSI: -97, SNR: 7.5}, 30, 60, 0, 0},
		// -130 = -157 + PacketRssi + (-10); SNR -10 dB = -40 quarter dB.
		{"HF port, negative SNR", []byte{0xD9, 0x06, 0x66}, 0x80, medium.Link{RSSI: -130, SNR: -10}, 0xD8, 37, 0, 0},
		// 433.775 MHz, LF port: -110 = -164 + 54.
		{"LF port", []byte{0x6C, 0x71, 0x9A}, 0x88, medium.Link{RSSI: -110, SNR: 2}, 8, 54, 0, 0},
		{"below the SF9 floor of -12.5 dB", []byte{0xD9, 0x06, 0x66}, 0x80, medium.Link{RSSI: -130, SNR: -13}, 0, 0, 0, 1},
		{"every bit flipped", []byte{0xD9, 0x06, 0x66}, 0x80, medium.Link{BitErrorRate: 1}, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				air := medium.New(medium.Options{Seed: 3})
				tx, rx := newBus(t, air, "tx"), newBus(t, air, "rx")
				air.Connect("tx", "rx", tt.link)
				for _, b := range []*bus{tx, rx} {
					b.loraStandby()
					b.write(regOpMode, tt.opMode)
					b.write(regFrfMsb, tt.frf...)
					b.write(regOpMode, tt.opMode|0x01)
				}
				rx.write(regOpMode, tt.opMode|0x05)
				tx.transmit([]byte("payload"))
				time.Sleep(time.Second)
				st := rx.chip.Stats()
				if st.BelowSensitivity != tt.belowFloor || st.CRCErrors != tt.crcErrors {
					t.Fatalf("stats %+v", st)
				}
				if st.Received == 1 {
					if got := rx.read(regPktSnrValue, 2); got[0] != tt.snr || got[1] != tt.rssi {
						t.Fatalf("PktSnr %#x PktRssi %d, want %#x %d", got[0], got[1], tt.snr, tt.rssi)
					}
				}
				if tx.rules()+rx.rules() != "" {
					t.Fatal(tx.chip.Violations(), rx.chip.Violations())
				}
			})
		})
	}
}

func TestCorruptedPayloadSetsPayloadCrcError(t *testing.T) {
	s := settings{sf: 9, bw: 7, cr: 1, crc: true, preamble: 8}
	air := s.encode([]byte("hello"))
	air[headerLen+1] ^= 0x10
	f, ok := s.decode(air, 255)
	if !ok || !f.crcError || !bytes.Equal(f.payload, []byte("hullo")) {
		t.Fatalf("decode %+v %v", f, ok)
	}
	air[0] ^= 1 // damaged header: the frame is lost
	if _, ok := s.decode(air, 255); ok {
		t.Fatal("damaged header decoded")
	}
}

func TestCADAndRxSingle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		air := medium.New(medium.Options{})
		tx, rx := newBus(t, air, "tx"), newBus(t, air, "rx")
		air.Connect("tx", "rx", medium.Link{})
		tx.loraStandby()
		rx.loraStandby()
		rx.write(regOpMode, 0x87) // CAD on a quiet channel
		time.Sleep(10 * time.Millisecond)
		if f := rx.read(regIrqFlags, 1)[0]; f != irqCadDone {
			t.Fatalf("quiet CAD flags %#x", f)
		}
		rx.write(regIrqFlags, 0xFF)
		tx.transmit(bytes.Repeat([]byte{1}, 50))
		rx.write(regOpMode, 0x87)
		time.Sleep(10 * time.Millisecond)
		if f := rx.read(regIrqFlags, 1)[0]; f != irqCadDone|irqCadDetected {
			t.Fatalf("busy CAD flags %#x", f)
		}
		time.Sleep(time.Second)
		rx.write(regIrqFlags, 0xFF)
		rx.write(regOpMode, 0x86) // RXSINGLE: times out after 0x64 symbols
		time.Sleep(100*4096*time.Microsecond + time.Millisecond)
		if f := rx.read(regIrqFlags, 1)[0]; f != irqRxTimeout {
			t.Fatalf("RXSINGLE flags %#x", f)
		}
		if m, _ := rx.chip.Mode(); m != "STDBY" {
			t.Fatalf("mode %s", m)
		}
	})
}

// FuzzDecode feeds arbitrary bytes from the air to the receiver's frame
// decoder: it must never panic, never return more than it was given, and
// must round-trip what encode produced.
func FuzzDecode(f *testing.F) {
	explicit := settings{sf: 9, bw: 7, cr: 1, crc: true}
	f.Add(explicit.encode([]byte("hello")), false, true)
	f.Add([]byte{}, true, false)
	f.Add([]byte{0xFF, 0x09, 0x00}, false, true)
	f.Fuzz(func(t *testing.T, air []byte, implicit, crc bool) {
		s := settings{sf: 9, bw: 7, cr: 2, implicit: implicit, crc: crc, payloadLength: 5}
		fr, ok := s.decode(air, 255)
		if ok && len(fr.payload) > len(air) {
			t.Fatalf("decoded %d bytes from %d", len(fr.payload), len(air))
		}
		if len(air) <= 255 {
			p := air
			if implicit {
				p = append([]byte(nil), air...)
				if len(p) != 5 {
					return
				}
			}
			back, ok := s.decode(s.encode(p), 255)
			if !ok || back.crcError || !bytes.Equal(back.payload, p) {
				t.Fatalf("round trip of % x: %+v %v", p, back, ok)
			}
		}
	})
}
