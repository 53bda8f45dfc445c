package lora

import (
	"log/slog"
	"testing"

	"github.com/altnet/altnet/internal/clock"
	"github.com/altnet/altnet/radio"
	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/spi"
)

// garbageConn answers every SPI read with bytes from a fuzzer's input
// (a chip that is not there reads 0xFF, a damaged one anything).
type garbageConn struct {
	data []byte
}

func (g *garbageConn) String() string                 { return "garbage" }
func (g *garbageConn) Duplex() conn.Duplex            { return conn.Full }
func (g *garbageConn) TxPackets(p []spi.Packet) error { return nil }

func (g *garbageConn) Tx(w, r []byte) error {
	for i := 1; i < len(r); i++ {
		if len(g.data) > 0 {
			r[i], g.data = g.data[0], g.data[1:]
		} else {
			r[i] = 0xFF
		}
	}
	return nil
}

// FuzzService feeds arbitrary register contents to the driver's receive
// path (RegIrqFlags, RegFifoRxCurrentAddr, RegRxNbBytes, the packet status
// registers and the FIFO): it must never panic, and never deliver more
// than 255 bytes or a frame flagged with a CRC error.
func FuzzService(f *testing.F) {
	f.Add([]byte{0x00, 0x00, 0x50, 0x05, 0x1E, 0x3C, 0x20, 0x40, 'h', 'e', 'l', 'l', 'o'}, true)
	f.Add([]byte{0x10, 0x00, 0x60, 0xFF}, false)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, data []byte, crc bool) {
		o := Opts{Name: "fuzz", Modem: Modem{SF: SF9, Bandwidth: BW125, CodingRate: CR4_5, Preamble: 8, CRC: crc},
			Clock: clock.Real(), Logger: slog.New(slog.DiscardHandler), RxQueue: 4}
		d := &Dev{opts: o, cfg: config{hfPort: true}, clk: o.Clock, log: o.Logger,
			regs: regs{conn: &garbageConn{data: data}}, rx: make(chan radio.Frame, 4)}
		crcFlagged := len(data) > 2 && data[2]&irqPayloadCrcError != 0
		if err := d.service(); err != nil {
			t.Fatal(err)
		}
		select {
		case fr := <-d.rx:
			if len(fr.Payload) > maxPayload || crcFlagged || fr.SNR < -32 || fr.SNR > 31.75 {
				t.Fatalf("delivered %d bytes, SNR %v, CRC error flagged %v", len(fr.Payload), fr.SNR, crcFlagged)
			}
		default:
		}
	})
}
