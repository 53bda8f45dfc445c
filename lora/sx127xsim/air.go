package sx127xsim

import (
	"math"

	"github.com/altnet/altnet/radio/medium"
)

// The model's bytes on the air. With an explicit header a frame starts with
// three header bytes: the payload length, the coding rate (bits 3-1) and
// the CRC flag (bit 0), and a CRC-8 of those two; implicit frames have no
// header. A CRC-16 of the payload follows it when CRC is on. The medium
// flips bits anywhere in these bytes, so a damaged header loses the frame
// and a damaged payload fails its CRC, as on the chip.
const headerLen = 3

// encode frames payload for the air. Called with the settings of the
// transmitter.
func (s settings) encode(payload []byte) []byte {
	out := make([]byte, 0, headerLen+len(payload)+2)
	if !s.implicit {
		h0, h1 := byte(len(payload)), s.cr<<1
		if s.crc {
			h1 |= 1
		}
		out = append(out, h0, h1, crc8(h0, h1))
	}
	out = append(out, payload...)
	if s.crc {
		sum := crc16(payload)
		out = append(out, byte(sum>>8), byte(sum))
	}
	return out
}

// frame is what the receiver makes of bytes from the air.
type frame struct {
	payload  []byte
	cr       uint8
	crcOn    bool
	crcError bool
}

// decode parses bytes from the air with the receiver's settings. It
// reports false when there is no valid header (explicit mode: the header
// check failed, the length exceeds maxLen, or the frame is shorter than
// its header says; implicit mode: shorter than the expected length). It
// never panics and allocates at most len(air) bytes.
func (s settings) decode(air []byte, maxLen int) (frame, bool) {
	f := frame{cr: s.cr, crcOn: s.crc}
	n := s.payloadLength
	if !s.implicit {
		if len(air) < headerLen || crc8(air[0], air[1]) != air[2] || air[1]>>4 != 0 {
			return f, false
		}
		n, f.cr, f.crcOn = int(air[0]), air[1]>>1&0x07, air[1]&1 != 0
		if n > maxLen || f.cr < 1 || f.cr > 4 {
			return f, false
		}
		air = air[headerLen:]
	}
	need := n
	if f.crcOn {
		need += 2
	}
	if len(air) < need {
		return f, false
	}
	f.payload = append([]byte(nil), air[:n]...)
	if f.crcOn {
		f.crcError = crc16(f.payload) != uint16(air[n])<<8|uint16(air[n+1])
	}
	return f, true
}

// deliver is the medium's callback for a frame heard on the channel the
// chip listens to.
func (c *Chip) deliver(r medium.Reception) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.mode()
	if !c.lora() || (m != modeRXContinuous && m != modeRXSingle) {
		c.stats.NotReceiving++
		return
	}
	s := c.settings()
	if int(math.Round(r.SNR*4)) < snrFloor[s.sf] {
		c.stats.BelowSensitivity++
		return
	}
	f, ok := s.decode(r.Payload, int(c.regs[regMaxPayloadLength]))
	if !ok {
		c.stats.HeaderErrors++
		return
	}
	c.store(f, s, r)
	flags := byte(irqRxDone)
	if !s.implicit {
		flags |= irqValidHeader
	}
	if f.crcError {
		flags |= irqPayloadCrcError
		c.stats.CRCErrors++
	} else {
		c.stats.Received++
	}
	if m == modeRXSingle {
		c.standby()
	}
	c.raise(flags)
}

// store writes a received packet into the FIFO after the previous one and
// fills the packet status registers. Called with c.mu held.
func (c *Chip) store(f frame, s settings, r medium.Reception) {
	start := c.rxPtr
	for _, b := range f.payload {
		c.fifo[c.rxPtr] = b
		c.rxPtr++
	}
	c.regs[regFifoRxCurrent] = start
	c.regs[regRxNbBytes] = byte(len(f.payload))
	c.regs[regFifoRxByteAddr] = c.rxPtr - 1
	c.regs[regModemStat] = f.cr<<5 | 0x10
	c.regs[regHopChannel] = 0
	if f.crcOn {
		c.regs[regHopChannel] = 0x40 // CrcOnPayload
	}
	snr := max(-128, min(127, int(math.Round(r.SNR*4))))
	c.regs[regPktSnrValue] = byte(int8(snr))
	// Section 5.5.5: strength = offset + PacketRssi (+ PacketSnr/4 when
	// the SNR is negative), offset -157 on the HF port, -164 on the LF.
	offset := -164.0
	if s.highFrequencyPort() {
		offset = -157
	}
	raw := float64(r.RSSI) - offset
	if snr < 0 {
		raw -= float64(snr) / 4
	}
	c.regs[regPktRssiValue] = byte(max(0, min(255, int(math.Round(raw)))))
	c.regs[regRssiValue] = byte(max(0, min(255, int(-120-offset))))
	c.bumpCounter(regRxHeaderCntMsb)
	c.bumpCounter(regRxPacketCntLsb - 1)
}

// bumpCounter increments the 16-bit counter whose MSB is at addr.
func (c *Chip) bumpCounter(addr byte) {
	v := uint16(c.regs[addr])<<8 | uint16(c.regs[addr+1])
	v++
	c.regs[addr], c.regs[addr+1] = byte(v>>8), byte(v)
}

// crc8 is CRC-8 (polynomial 0x07) over the two header bytes.
func crc8(a, b byte) byte {
	var crc byte
	for _, v := range [2]byte{a, b} {
		crc ^= v
		for range 8 {
			if crc&0x80 != 0 {
				crc = crc<<1 ^ 0x07
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// crc16 is CRC-16/XMODEM (polynomial 0x1021, initial value 0).
func crc16(p []byte) uint16 {
	var crc uint16
	for _, v := range p {
		crc ^= uint16(v) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
