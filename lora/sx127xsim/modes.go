package sx127xsim

import (
	"time"

	"periph.io/x/conn/v3/gpio"
)

// enterMode switches the operating mode (section 4.1.3: any mode can be
// reached from any other). Leaving TX aborts the transmission; leaving RX
// stops listening. Called with c.mu held, after RegOpMode holds the new
// value.
func (c *Chip) enterMode(m int) {
	c.gen++
	c.txEnd = time.Time{}
	c.node.Standby()
	c.log.Debug("sx127xsim: mode", "chip", c.name, "mode", modeNames[m], "lora", c.lora())
	if m == modeSleep {
		// The FIFO is cleared in Sleep and the packet counters reset.
		c.fifo = [256]byte{}
		for a := regRxHeaderCntMsb; a <= regRxPacketCntLsb; a++ {
			c.regs[a] = 0
		}
		return
	}
	if m <= modeStandby {
		return
	}
	if !c.lora() {
		c.violateLocked("fsk-mode", "%s entered in FSK mode: only the LoRa modem is modelled", modeNames[m])
		return
	}
	s := c.settings()
	c.checkSettings(s, m)
	c.channel = s.channel()
	switch m {
	case modeTX:
		c.startTX(s)
	case modeRXContinuous, modeRXSingle:
		c.startRX(s, m)
	case modeCAD:
		c.startCAD(s)
	}
}

// standby returns the chip to Standby after TX, RXSINGLE or CAD. Called
// with c.mu held.
func (c *Chip) standby() {
	c.regs[regOpMode] = c.regs[regOpMode]&^opModeMask | modeStandby
	c.gen++
	c.node.Standby()
}

// after runs f with the lock held after d, unless the mode changed since.
// Called with c.mu held.
func (c *Chip) after(d time.Duration, f func()) {
	gen := c.gen
	c.clk.AfterFunc(d, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.gen == gen {
			f()
		}
	})
}

// startTX puts PayloadLength bytes from FifoTxBaseAddr on the air for their
// time on air, then raises TxDone and returns to Standby (section 4.1.6).
func (c *Chip) startTX(s settings) {
	n := int(c.regs[regPayloadLength])
	payload := make([]byte, n)
	base := c.regs[regFifoTxBaseAddr]
	for i := range payload {
		payload[i] = c.fifo[base+byte(i)]
	}
	airtime := s.timeOnAir(n)
	now := c.clk.Now()
	c.txs = append(c.txs, Transmission{Start: now, Airtime: airtime, Channel: c.channel,
		Payload: payload, PowerDBm: c.outputPower()})
	if err := c.node.Transmit(c.channel, s.encode(payload), airtime); err != nil {
		// Only possible when a previous transmission was aborted and is
		// still in flight on the medium: the PA cannot start twice.
		c.log.Warn("sx127xsim: transmit", "chip", c.name, "err", err)
	}
	c.txEnd = now.Add(airtime)
	c.after(airtime, func() {
		c.standby()
		c.raise(irqTxDone)
	})
}

// startRX tunes the receiver to the channel; RXSINGLE also arms the symbol
// timeout (RegSymbTimeout symbols, section 4.1.6).
func (c *Chip) startRX(s settings, m int) {
	c.rxPtr = c.regs[regFifoRxBaseAddr]
	c.node.Listen(c.channel)
	if m == modeRXSingle {
		symbols := int(c.regs[regModemConfig2]&0x03)<<8 | int(c.regs[regSymbTimeoutLsb])
		c.after(time.Duration(symbols)*s.symbolTime(), func() {
			c.standby()
			c.raise(irqRxTimeout)
		})
	}
}

// startCAD samples the channel for two symbols, then raises CadDone (and
// CadDetected when another transmitter is on the frequency) and returns to
// Standby (section 4.1.5).
func (c *Chip) startCAD(s settings) {
	busy := c.node.Busy(c.channel)
	c.after(2*s.symbolTime(), func() {
		busy = busy || c.node.Busy(c.channel)
		c.standby()
		if busy {
			c.raise(irqCadDetected)
		}
		c.raise(irqCadDone)
	})
}

// raise sets IRQ flags that are not masked and updates the DIO pins.
// Called with c.mu held.
func (c *Chip) raise(flags byte) {
	c.regs[regIrqFlags] |= flags &^ c.regs[regIrqFlagsMask]
	c.setDIO()
}

// dioSources maps RegDioMapping1 codes to the IRQ each DIO follows in LoRa
// mode (table 18): DIO0 00 RxDone, 01 TxDone, 10 CadDone; DIO1 00
// RxTimeout, 01 FhssChangeChannel, 10 CadDetected.
var dioSources = [2][4]byte{
	{irqRxDone, irqTxDone, irqCadDone, 0},
	{irqRxTimeout, 0x02, irqCadDetected, 0},
}

// setDIO drives DIO0 and DIO1 from the flags and the mapping, sending an
// edge on every rising transition. Called with c.mu held.
func (c *Chip) setDIO() {
	for i, pin := range c.dio {
		if pin == nil {
			continue
		}
		code := c.regs[regDioMapping1] >> (6 - 2*i) & 0x03
		level := gpio.Level(c.lora() && c.regs[regIrqFlags]&dioSources[i][code] != 0)
		was := pin.Read()
		_ = pin.Out(level)
		if level && !was {
			select {
			case pin.EdgesChan <- gpio.High:
			default: // the host has not serviced earlier edges; they merge
			}
		}
	}
}

// outputPower returns the output power in dBm that RegPaConfig and RegPaDac
// select (section 5.4.2 and 5.4.3). Called with c.mu held.
func (c *Chip) outputPower() float64 {
	pa := c.regs[regPaConfig]
	out := float64(pa & 0x0F)
	if pa&0x80 == 0 { // RFO
		pmax := 10.8 + 0.6*float64(pa>>4&0x07)
		return pmax - (15 - out)
	}
	p := 17 - (15 - out)
	if c.regs[regPaDac]&0x07 == 0x07 {
		p += 3
	}
	return p
}
