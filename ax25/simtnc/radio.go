package simtnc

import (
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/kiss"
	"github.com/altnet/altnet/radio/medium"
)

// hostLoop reads one host's KISS stream until it closes.
func (t *TNC) hostLoop(c *pipeEnd) {
	defer t.wg.Done()
	defer func() {
		t.mu.Lock()
		delete(t.clients, c)
		t.mu.Unlock()
		c.Close()
	}()
	dec := kiss.NewDecoder(c, ax25.MaxFrameLen)
	for {
		f, err := dec.Next()
		if err != nil {
			return
		}
		t.command(f)
	}
}

// command applies one KISS frame from a host.
func (t *TNC) command(f kiss.Frame) {
	if f.Command == kiss.Return {
		return
	}
	if f.Port != 0 {
		t.otherPort.Add(1)
		return
	}
	if f.Command == kiss.Data {
		t.enqueue(f.Data)
		return
	}
	if len(f.Data) == 0 {
		return
	}
	v := f.Data[0]
	t.mu.Lock()
	defer t.mu.Unlock()
	switch f.Command {
	case kiss.TXDelay:
		t.p.txDelay = kiss.ParamDuration(v)
	case kiss.Persistence:
		t.p.persist = v
	case kiss.SlotTime:
		t.p.slotTime = kiss.ParamDuration(v)
	case kiss.TXTail:
		t.p.txTail = kiss.ParamDuration(v)
	case kiss.FullDuplex:
		t.p.fullDuplex = v != 0
	}
}

// enqueue queues a frame for the air, as Direwolf does: anything from
// MinFrameLen to MaxFrameLen octets, AX.25 or not.
func (t *TNC) enqueue(frame []byte) {
	if len(frame) < ax25.MinFrameLen || len(frame) > ax25.MaxFrameLen {
		t.badLength.Add(1)
		return
	}
	select {
	case t.txq <- frame:
	default:
		t.queueFull.Add(1)
	}
}

// txLoop takes frames from the queue, wins the channel and transmits.
func (t *TNC) txLoop() {
	defer t.wg.Done()
	for {
		var first []byte
		select {
		case first = <-t.txq:
		case <-t.ctx.Done():
			return
		}
		ok, err := t.access()
		if err != nil {
			return
		}
		if !ok {
			t.busyDropped.Add(1)
			continue
		}
		if t.transmit(t.bundle(first)) != nil {
			return
		}
	}
}

// bundle returns first and the frames queued behind it at this moment.
func (t *TNC) bundle(first []byte) [][]byte {
	frames := [][]byte{first}
	for {
		select {
		case f := <-t.txq:
			frames = append(frames, f)
		default:
			return frames
		}
	}
}

// access waits until the TNC may transmit: Direwolf's p-persistent CSMA.
// It returns false when the channel stayed busy for BusyLimit, and an
// error when the TNC closes.
func (t *TNC) access() (bool, error) {
	t.mu.Lock()
	full := t.p.fullDuplex
	t.mu.Unlock()
	if full {
		return true, nil // no carrier sense, no random wait
	}
	waited := time.Duration(0)
	for {
		for t.node.Busy(t.ch) {
			if waited >= BusyLimit {
				return false, nil
			}
			if err := t.sleep(DCDPoll); err != nil {
				return false, err
			}
			waited += DCDPoll
		}
		t.mu.Lock()
		p := t.p
		t.mu.Unlock()
		if err := t.sleep(p.slotTime); err != nil {
			return false, err
		}
		waited += p.slotTime
		if t.node.Busy(t.ch) {
			continue
		}
		if uint8(t.rng.Uint32()) <= p.persist {
			return true, nil
		}
	}
}

// transmit keys up once and sends frames back to back: TXDELAY and the
// opening flag before the first, a flag after each, TXTAIL after the last.
func (t *TNC) transmit(frames [][]byte) error {
	tm := t.Timing()
	// Each frame's share of the transmission is the difference of the
	// cumulative key-up times, so the parts add up to the exact whole.
	bits, prev := ax25.FlagBits, time.Duration(0)
	for i, f := range frames {
		onAir := ax25.AppendFCS(append([]byte(nil), f...))
		bits += ax25.StuffedBits(onAir) + ax25.FlagBits
		end := tm.TXDelay + tm.Bits(bits)
		if i == len(frames)-1 {
			end += tm.TXTail
		}
		d := end - prev
		prev = end
		if err := t.node.Transmit(t.ch, onAir, d); err != nil {
			t.log.Warn("simtnc: transmit", "tnc", t.name, "err", err)
		} else {
			t.transmitted.Add(1)
			t.log.Debug("simtnc: transmit", "tnc", t.name, "octets", len(f), "airtime", d)
		}
		if err := t.sleep(d); err != nil {
			return err
		}
	}
	return nil
}

func (t *TNC) sleep(d time.Duration) error {
	tm := t.clock.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.Chan():
		return nil
	case <-t.ctx.Done():
		return t.ctx.Err()
	}
}

// deliver takes a frame from the medium: checks the FCS as the HDLC
// receiver does and passes good frames to every host.
func (t *TNC) deliver(r medium.Reception) {
	body, err := ax25.CheckFCS(r.Payload)
	if err != nil {
		t.fcsErrors.Add(1)
		return
	}
	if len(body) < ax25.MinFrameLen {
		t.badLength.Add(1)
		return
	}
	enc := kiss.AppendFrame(nil, 0, kiss.Data, body)
	t.received.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.clients {
		if !c.tryWrite(enc) {
			t.hostOverrun.Add(1)
		}
	}
}
