package lora

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/altnet/altnet/radio"
	"periph.io/x/conn/v3/gpio"
)

// request is work for the goroutine that owns the chip.
type request struct {
	cad     bool // channel activity detection only
	ctx     context.Context
	payload []byte
	reply   chan result // buffered: the owner never blocks on it
}

type result struct {
	busy bool
	err  error
}

// watch turns edges on one DIO line into wake-ups for the owner. It never
// touches the SPI bus and waits at most EdgeWait per call, never -1 or 0,
// whose meaning differs between periph's GPIO backends.
func (d *Dev) watch(p gpio.PinIn) {
	defer d.wg.Done()
	for d.ctx.Err() == nil {
		if p.WaitForEdge(d.opts.EdgeWait) {
			select {
			case d.edges <- struct{}{}:
			default: // a wake-up is already pending; the flags say the rest
			}
		}
	}
}

// own is the only goroutine that talks to the chip after New returns.
func (d *Dev) own() {
	defer d.wg.Done()
	defer close(d.done)
	poll := d.clk.NewTicker(d.opts.PollInterval)
	defer poll.Stop()
	for {
		select {
		case <-d.ctx.Done():
			d.shutdown()
			return
		case r := <-d.reqs:
			r.reply <- d.handle(r)
		case <-d.edges:
			d.check(d.service())
		case <-poll.Chan():
			d.check(d.health())
		}
	}
}

// check marks the driver failed on a bus or chip error.
func (d *Dev) check(err error) {
	if err == nil {
		return
	}
	d.log.Error("lora: chip failed", "err", err)
	d.state.Set(radio.Failed, err, d.clk.Now())
}

// shutdown puts the chip to Sleep (its FIFO is cleared and it draws about
// 0.2 µA).
func (d *Dev) shutdown() {
	if err := d.regs.write(regOpMode, d.cfg.opMode|modeSleep); err != nil {
		d.log.Warn("lora: sleep on close", "err", err)
	}
}

// health runs on every poll: it reconfigures a chip that failed or lost its
// settings (a brown-out resets it to FSK Standby), and services IRQ flags
// whose DIO0 edge was lost.
func (d *Dev) health() error {
	if d.state.State() == radio.Failed {
		return d.reinit("recovering after failure")
	}
	mode, err := d.regs.read1(regOpMode)
	if err != nil {
		return err
	}
	want := d.cfg.opMode | modeRXContinuous
	if !d.opts.Direction.CanReceive() {
		want = d.cfg.opMode | modeStandby
	}
	if mode != want {
		return d.reinit(fmt.Sprintf("RegOpMode reads 0x%02X, want 0x%02X", mode, want))
	}
	return d.service()
}

// reinit resets and configures the chip again.
func (d *Dev) reinit(why string) error {
	d.log.Warn("lora: configuring the chip again", "why", why)
	d.stats.reinits.Add(1)
	err := d.resetChip()
	if err == nil {
		err = d.checkVersion()
	}
	if err == nil {
		err = d.configure()
	}
	if err == nil {
		d.state.Set(radio.Up, nil, d.clk.Now())
	}
	return err
}

// service reads the IRQ flags, takes a received packet out of the FIFO and
// clears the flags it saw. One burst read covers RegFifoRxCurrentAddr,
// RegIrqFlagsMask, RegIrqFlags and RegRxNbBytes.
func (d *Dev) service() error {
	b, err := d.regs.read(regFifoRxCurrent, 4)
	if err != nil {
		return err
	}
	flags := b[2]
	if flags == 0 {
		return nil
	}
	if flags&irqRxDone != 0 {
		if err := d.receive(flags, b[0], int(b[3])); err != nil {
			return err
		}
	}
	return d.regs.write(regIrqFlags, flags)
}

// receive handles RxDone (section 4.1.6, continuous reception): frames
// with PayloadCrcError, or without a CRC when one is required, are counted
// and dropped; good ones are read from FifoRxCurrentAddr.
func (d *Dev) receive(flags, at byte, n int) error {
	if flags&irqPayloadCrcError != 0 {
		d.stats.crcErrors.Add(1)
		return nil
	}
	status, err := d.regs.read(regPktSnrValue, 4) // PktSnr, PktRssi, Rssi, HopChannel
	if err != nil {
		return err
	}
	m := d.opts.Modem
	if m.CRC && !m.ImplicitHeader && status[3]&hopCrcOnPayload == 0 {
		d.stats.noCRC.Add(1)
		return nil
	}
	if n == 0 {
		return nil
	}
	if err := d.regs.write(regFifoAddrPtr, at); err != nil {
		return err
	}
	payload, err := d.regs.read(regFifo, n)
	if err != nil {
		return err
	}
	rssi, snr := signal(status[1], int8(status[0]), d.cfg.hfPort)
	d.deliver(radio.Frame{Driver: d.opts.Name, Payload: payload, Time: d.clk.Now(),
		HasSignal: true, RSSI: rssi, SNR: snr})
	return nil
}

// signal converts RegPktRssiValue and RegPktSnrValue (section 5.5.5): SNR =
// PacketSnr / 4 dB (two's complement); RSSI = -157 (HF port) or -164 (LF
// port) + PacketRssi, plus PacketSnr / 4 when the SNR is negative.
func signal(pktRssi byte, pktSnr int8, hf bool) (rssi int, snr float64) {
	offset := -164
	if hf {
		offset = -157
	}
	quarters := 4 * (offset + int(pktRssi))
	if pktSnr < 0 {
		quarters += int(pktSnr)
	}
	// Round half away from zero to whole dBm.
	if quarters < 0 {
		rssi = -((-quarters + 2) / 4)
	} else {
		rssi = (quarters + 2) / 4
	}
	return rssi, float64(pktSnr) / 4
}

// deliver queues a frame for Receive, dropping the oldest when full.
func (d *Dev) deliver(f radio.Frame) {
	d.stats.received.Add(1)
	for {
		select {
		case d.rx <- f:
			return
		default:
		}
		select {
		case <-d.rx:
			d.stats.overflows.Add(1)
		default:
		}
	}
}

// Receive returns the next frame that passed its CRC. It blocks until one
// arrives, ctx is done or the driver is closed (radio.ErrClosed).
func (d *Dev) Receive(ctx context.Context) (radio.Frame, error) {
	return radio.ReceiveFrom(ctx, d.rx, d.done)
}

// waitIRQ waits until one of want is set in RegIrqFlags, woken by DIO
// edges, and reads the flags once more when timeout expires (the flags
// register is the truth, the edge only a hint). It returns the flags read.
func (d *Dev) waitIRQ(want byte, timeout time.Duration) (byte, error) {
	t := d.clk.NewTimer(timeout)
	defer t.Stop()
	expired := false
	for {
		select {
		case <-d.edges:
		case <-t.Chan():
			expired = true
		case <-d.ctx.Done():
			return 0, radio.ErrClosed
		}
		flags, err := d.regs.read1(regIrqFlags)
		switch {
		case err != nil:
			return 0, err
		case flags&want != 0:
			return flags, nil
		case expired:
			return flags, errTimeout
		}
	}
}

var errTimeout = errors.New("timeout")
