package lora

import (
	"fmt"

	"periph.io/x/conn/v3/spi"
)

// regs is the SPI side of the chip: single and burst register access
// (datasheet section 4.3). The first byte of a transaction is the address
// with bit 7 set for a write; further bytes go to consecutive registers, or
// all through FifoAddrPtr at RegFifo. Every access returns its error.
type regs struct {
	conn spi.Conn
	buf  [1 + fifoSize]byte // scratch for writes; reads allocate
}

// read returns n registers from r on.
func (x *regs) read(r reg, n int) ([]byte, error) {
	w := make([]byte, 1+n)
	rd := make([]byte, 1+n)
	w[0] = byte(r)
	if err := x.conn.Tx(w, rd); err != nil {
		return nil, fmt.Errorf("lora: read %d bytes at register %v: %w", n, r, err)
	}
	return rd[1:], nil
}

// read1 returns one register.
func (x *regs) read1(r reg) (byte, error) {
	v, err := x.read(r, 1)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// write writes values to consecutive registers from r on (or to the FIFO
// at regFifo) in one transaction.
func (x *regs) write(r reg, values ...byte) error {
	w := x.buf[:1+len(values)]
	w[0] = writeBit | byte(r)
	copy(w[1:], values)
	if err := x.conn.Tx(w, nil); err != nil {
		return fmt.Errorf("lora: write %d bytes at register %v: %w", len(values), r, err)
	}
	return nil
}
