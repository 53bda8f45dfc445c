package board

import (
	"errors"
	"fmt"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// softCS is an SPI port whose chip select is a plain GPIO, for HATs that
// wire the radio's NSS to a pin that is not a hardware chip select. The
// underlying port is connected with NoCS and every transaction pulls the
// GPIO low for its duration.
type softCS struct {
	spi.Port
	cs gpio.PinOut
}

var _ spi.Port = (*softCS)(nil)

// String names the port and its chip select pin.
func (s *softCS) String() string { return fmt.Sprintf("%s (chip select %s)", s.Port, s.cs) }

// Connect connects the underlying port without hardware chip select and
// parks the chip select GPIO high (deselected).
func (s *softCS) Connect(f physic.Frequency, mode spi.Mode, bits int) (spi.Conn, error) {
	if err := s.cs.Out(gpio.High); err != nil {
		return nil, fmt.Errorf("board: chip select %s: %w", s.cs, err)
	}
	c, err := s.Port.Connect(f, mode|spi.NoCS, bits)
	if err != nil {
		return nil, fmt.Errorf("board: connect %s without hardware chip select: %w", s.Port, err)
	}
	return &softCSConn{Conn: c, cs: s.cs}, nil
}

type softCSConn struct {
	spi.Conn
	cs gpio.PinOut
}

// Tx runs one transaction with the chip selected.
func (c *softCSConn) Tx(w, r []byte) error {
	return c.TxPackets([]spi.Packet{{W: w, R: r}})
}

// TxPackets runs the packets as spi.Conn documents them: a packet with
// KeepCS false ends a transaction, so the chip select goes high after it
// (a blip before the next packet, as a hardware chip select does), and the
// chip stays selected after the last packet only if it asks to.
func (c *softCSConn) TxPackets(p []spi.Packet) error {
	for len(p) > 0 {
		n := 1
		for n < len(p) && p[n-1].KeepCS {
			n++
		}
		if err := c.transaction(p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// transaction selects the chip, runs p, and deselects it unless the last
// packet asks to keep it selected.
func (c *softCSConn) transaction(p []spi.Packet) error {
	if err := c.cs.Out(gpio.Low); err != nil {
		return fmt.Errorf("board: select chip: %w", err)
	}
	err := c.Conn.TxPackets(p)
	if err == nil && p[len(p)-1].KeepCS {
		return nil
	}
	if e := c.cs.Out(gpio.High); e != nil {
		return errors.Join(err, fmt.Errorf("board: deselect chip: %w", e))
	}
	return err
}

// Duplex reports the underlying connection's duplex.
func (c *softCSConn) Duplex() conn.Duplex { return c.Conn.Duplex() }
