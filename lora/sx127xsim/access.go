package sx127xsim

import (
	"errors"
	"fmt"
)

// transfer runs one SPI transaction (chip select low for its whole length).
func (c *Chip) transfer(w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return errors.New("sx127xsim: port closed")
	case len(w) < 2:
		c.violateLocked("spi-length", "transaction of %d bytes: an access is an address byte and at least one data byte", len(w))
		return fmt.Errorf("sx127xsim: transaction of %d bytes", len(w))
	case len(r) != 0 && len(r) != len(w):
		c.violateLocked("spi-length", "len(w)=%d, len(r)=%d", len(w), len(r))
		return fmt.Errorf("sx127xsim: len(w)=%d != len(r)=%d", len(w), len(r))
	}
	clear(r)
	c.accesses++
	now := c.clk.Now()
	if c.inReset {
		c.violateLocked("spi-in-reset", "access to 0x%02X while NRESET is low", w[0]&0x7F)
		return nil // the chip does not drive MISO
	}
	if now.Before(c.readyAt) {
		c.violateLocked("spi-not-ready", "access to 0x%02X %v before the chip is ready", w[0]&0x7F, c.readyAt.Sub(now))
		return nil
	}
	addr, write := w[0]&0x7F, w[0]&0x80 != 0
	for i := 1; i < len(w); i++ {
		var v byte
		if write {
			v = c.writeReg(addr, w[i])
		} else {
			v = c.readReg(addr)
		}
		if len(r) != 0 {
			r[i] = v
		}
		if addr != regFifo {
			addr = (addr + 1) & 0x7F
		}
	}
	return nil
}

// lora reports whether the chip is in LoRa mode. Called with c.mu held.
func (c *Chip) lora() bool { return c.regs[regOpMode]&opLongRangeMode != 0 }

// mode returns the operating mode bits. Called with c.mu held.
func (c *Chip) mode() int { return int(c.regs[regOpMode] & opModeMask) }

// readReg reads one register with its side effects. Called with c.mu held.
func (c *Chip) readReg(addr byte) byte {
	if loraPage(addr) && !c.lora() {
		c.violateLocked("fsk-mode", "read of 0x%02X in FSK mode: the LoRa register is not mapped", addr)
		return 0
	}
	if addr == regFifo {
		if c.mode() == modeSleep {
			c.violateLocked("fifo-in-sleep", "FIFO read in Sleep: the FIFO is not accessible (section 4.1.2.3)")
			return 0
		}
		p := c.regs[regFifoAddrPtr]
		c.regs[regFifoAddrPtr] = p + 1
		return c.fifo[p]
	}
	return c.regs[addr]
}

// writeReg writes one register and returns MISO during the write: the
// register's old value. Called with c.mu held.
func (c *Chip) writeReg(addr, v byte) byte {
	old := c.regs[addr]
	if loraPage(addr) && !c.lora() {
		c.violateLocked("fsk-mode", "write of 0x%02X to 0x%02X in FSK mode: the LoRa register is not mapped", v, addr)
		return 0
	}
	if !c.lora() && addr != regOpMode && regMap[addr].acc != accRO {
		// Common registers are shared; their writes still land.
		c.regs[addr] = v
		return old
	}
	switch regMap[addr].acc {
	case accFifo:
		return c.writeFifo(v)
	case accRO:
		c.violateLocked("read-only", "write of 0x%02X to read-only register 0x%02X", v, addr)
		return old
	case accReserved:
		c.violateLocked("reserved", "write of 0x%02X to reserved register 0x%02X", v, addr)
		return old
	case accClear:
		c.regs[addr] &^= v
		c.setDIO()
		return old
	case accConfig:
		if m := c.mode(); m != modeSleep && m != modeStandby {
			c.violateLocked("config-while-active", "write of 0x%02X to configuration register 0x%02X in %s", v, addr, modeNames[m])
		}
		if addr == regPayloadLength && v == 0 {
			c.violateLocked("payload-length-zero", "RegPayloadLength = 0 is not permitted")
		}
	}
	if addr == regOpMode {
		c.writeOpMode(v)
		return old
	}
	c.regs[addr] = v
	if addr == regDioMapping1 || addr == regIrqFlagsMask {
		c.setDIO()
	}
	return old
}

// writeFifo writes one byte at FifoAddrPtr. Called with c.mu held.
func (c *Chip) writeFifo(v byte) byte {
	if c.mode() == modeSleep {
		c.violateLocked("fifo-in-sleep", "FIFO write in Sleep: the FIFO is not accessible (section 4.1.2.3)")
		return 0
	}
	p := c.regs[regFifoAddrPtr]
	old := c.fifo[p]
	c.fifo[p] = v
	c.regs[regFifoAddrPtr] = p + 1
	return old
}

// writeOpMode applies a write to RegOpMode: LongRangeMode changes only in
// Sleep (a write in another mode leaves it as it was), then the new mode
// starts. Called with c.mu held.
func (c *Chip) writeOpMode(v byte) {
	old := c.regs[regOpMode]
	if (v^old)&opLongRangeMode != 0 && c.mode() != modeSleep {
		c.violateLocked("long-range-mode", "LongRangeMode changed in %s; it can be modified only in Sleep", modeNames[c.mode()])
		v = v&^opLongRangeMode | old&opLongRangeMode
	}
	if v&opAccessSharedReg != 0 {
		c.violateLocked("access-shared-reg", "AccessSharedReg set: FSK registers from LoRa mode are not modelled")
	}
	c.regs[regOpMode] = v
	c.enterMode(int(v & opModeMask))
}
