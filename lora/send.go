package lora

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/altnet/altnet/radio"
)

// Send transmits one frame of 1 to 255 bytes (exactly PayloadLength with an
// implicit header) and returns when the chip reports TxDone. A frame that
// would break the plan's duty cycle or dwell time is refused with a
// *radio.BudgetError saying how long to wait, before any register is
// written. Once the frame is handed to the chip, Send waits for the end of
// the transmission (at most 1.5 times its time on air) even if ctx is
// cancelled.
func (d *Dev) Send(ctx context.Context, payload []byte) error {
	o := &d.opts
	n := len(payload)
	switch {
	case !o.Direction.CanSend():
		return radio.ErrReceiveOnly
	case n == 0:
		return ErrEmpty
	case n > d.Capabilities().MTU:
		return fmt.Errorf("lora: frame of %d bytes, MTU %d: %w", n, d.Capabilities().MTU, radio.ErrTooLarge)
	case o.Modem.ImplicitHeader && n != o.PayloadLength:
		return fmt.Errorf("lora: implicit header: frame of %d bytes, the receiver expects exactly %d", n, o.PayloadLength)
	case o.Plan.Amateur && o.Callsign == "":
		return ErrNoCallsign
	}
	if err := d.budget.admit(d.clk.Now(), d.Airtime(n), false); err != nil {
		return err
	}
	r := &request{ctx: ctx, payload: append([]byte(nil), payload...), reply: make(chan result, 1)}
	res, err := d.submit(ctx, r)
	if err != nil {
		return err
	}
	return res.err
}

// CAD runs channel activity detection and reports whether another LoRa
// transmitter is on the channel.
func (d *Dev) CAD(ctx context.Context) (bool, error) {
	r := &request{cad: true, ctx: ctx, reply: make(chan result, 1)}
	res, err := d.submit(ctx, r)
	if err != nil {
		return false, err
	}
	return res.busy, res.err
}

// submit hands r to the owner goroutine and waits for its result.
func (d *Dev) submit(ctx context.Context, r *request) (result, error) {
	select {
	case d.reqs <- r:
	case <-ctx.Done():
		return result{}, ctx.Err()
	case <-d.done:
		return result{}, radio.ErrClosed
	}
	select {
	case res := <-r.reply:
		return res, nil
	case <-d.done:
		return result{}, radio.ErrClosed
	}
}

// handle runs one request on the owner goroutine and leaves the chip idle.
func (d *Dev) handle(r *request) result {
	if err := r.ctx.Err(); err != nil {
		return result{err: err}
	}
	if d.state.State() == radio.Failed {
		return result{err: fmt.Errorf("lora: %s is failed, retrying every %v: %w", d.opts.Name, d.opts.PollInterval, d.state.Err())}
	}
	var res result
	if r.cad {
		res.busy, res.err = d.cadOnce()
	} else {
		res.err = d.transmit(r.payload)
	}
	fatal := res.err != nil && !errors.Is(res.err, radio.ErrBudget) &&
		!errors.Is(res.err, ErrChannelBusy) && !errors.Is(res.err, radio.ErrClosed)
	if !errors.Is(res.err, radio.ErrClosed) {
		if err := d.idle(); err != nil && res.err == nil {
			res.err, fatal = err, true
		}
	}
	if fatal {
		d.check(res.err)
	}
	return res
}

// transmit sends one frame (section 4.1.6, data transmission sequence):
// Standby, listen before talk, FIFO from FifoTxBaseAddr, TX, TxDone.
func (d *Dev) transmit(payload []byte) error {
	c := &d.cfg
	airtime := d.Airtime(len(payload))
	if err := d.regs.write(regOpMode, c.opMode|modeStandby); err != nil {
		return err
	}
	// Take a packet received just before Standby out of the FIFO before
	// the flags are cleared.
	if err := d.service(); err != nil {
		return err
	}
	if d.opts.ListenBeforeTalk {
		busy, err := d.cadOnce()
		if err != nil {
			return err
		}
		if busy {
			d.stats.busy.Add(1)
			return ErrChannelBusy
		}
	}
	// Book the airtime now, when it is spent: the check is exact over any
	// rolling hour and never lets a frame through that breaks it.
	if err := d.budget.admit(d.clk.Now(), airtime, true); err != nil {
		return err
	}
	if err := d.fill(payload); err != nil {
		return err
	}
	if err := d.regs.write(regOpMode, c.opMode|modeTX); err != nil {
		return err
	}
	flags, err := d.waitTxDone(airtime * 3 / 2)
	if err != nil {
		return err
	}
	d.stats.sent.Add(1)
	return d.regs.write(regIrqFlags, flags)
}

// waitTxDone waits for TxDone for timeout, then reads RegIrqFlags. If the
// flags lack TxDone while RegOpMode still says TX, the chip is late rather
// than lost (a loaded host under a scaled simulation clock), so it waits
// once more for the same time before giving up.
func (d *Dev) waitTxDone(timeout time.Duration) (byte, error) {
	flags, err := d.waitIRQ(irqTxDone, timeout)
	if errors.Is(err, errTimeout) {
		mode, rerr := d.regs.read1(regOpMode)
		if rerr != nil {
			return 0, rerr
		}
		if mode&opModeMask == modeTX {
			d.stats.lateTxDone.Add(1)
			d.log.Warn("lora: TxDone late; waiting once more", "timeout", timeout)
			flags, err = d.waitIRQ(irqTxDone, timeout)
		}
	}
	if errors.Is(err, errTimeout) {
		d.stats.txTimeouts.Add(1)
		return 0, fmt.Errorf("%w (%v, RegIrqFlags 0x%02X): check the DIO0 wiring", ErrTxTimeout, timeout, flags)
	}
	return flags, err
}

// fill writes the frame into the FIFO from address 0 (FifoTxBaseAddr) in
// one burst, sets its length, maps DIO0 to TxDone and clears the flags.
func (d *Dev) fill(payload []byte) error {
	if err := d.regs.write(regFifoAddrPtr, 0); err != nil {
		return err
	}
	if err := d.regs.write(regFifo, payload...); err != nil {
		return err
	}
	if !d.opts.Modem.ImplicitHeader {
		if err := d.regs.write(regPayloadLength, byte(len(payload))); err != nil {
			return err
		}
	}
	if err := d.regs.write(regDioMapping1, dioTxDone); err != nil {
		return err
	}
	return d.regs.write(regIrqFlags, irqAll)
}

// cadOnce runs one channel activity detection from Standby (section
// 4.1.5); the chip returns to Standby by itself. CAD takes about two
// symbols; the wait is bounded by 16 symbols plus 10 ms.
func (d *Dev) cadOnce() (bool, error) {
	c := &d.cfg
	if err := d.regs.write(regOpMode, c.opMode|modeStandby); err != nil {
		return false, err
	}
	if err := d.regs.write(regDioMapping1, dioCAD); err != nil {
		return false, err
	}
	if err := d.regs.write(regIrqFlags, irqAll); err != nil {
		return false, err
	}
	if err := d.regs.write(regOpMode, c.opMode|modeCAD); err != nil {
		return false, err
	}
	flags, err := d.waitIRQ(irqCadDone, 16*d.opts.Modem.SymbolTime()+10*time.Millisecond)
	if errors.Is(err, errTimeout) {
		return false, fmt.Errorf("lora: no CadDone (RegIrqFlags 0x%02X): check the DIO0 wiring", flags)
	}
	if err != nil {
		return false, err
	}
	return flags&irqCadDetected != 0, d.regs.write(regIrqFlags, flags)
}
