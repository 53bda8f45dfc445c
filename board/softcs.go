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

func (s *softCS) String() string { return fmt.Sprintf("%s (chip select %s)", s.Port, s.cs) }

// Connect connects the underlying port without hardware chip select and
// parks the chip select GPIO high (deselected).
func (s *softCS) Connect(f physic.Frequency, mode spi.Mode, bits int) (spi.Conn, error) {
	if err := s.cs.Out(gpio.High); err != nil {
		return nil, fmt.Errorf("board: chip select %s: %w", s.cs, err)
	}
	c, err := s.Port.Connect(f, mode|spi.NoCS, bits)
	if err != nil {
		return nil, err
	}
	return &softCSConn{Conn: c, cs: s.cs}, nil
}

type softCSConn struct {
	spi.Conn
	cs gpio.PinOut
}

func (c *softCSConn) Tx(w, r []byte) error {
	return c.TxPackets([]spi.Packet{{W: w, R: r}})
}

// TxPackets selects the chip, runs the packets, and deselects it unless the
// last packet asks to keep it selected.
func (c *softCSConn) TxPackets(p []spi.Packet) error {
	if err := c.cs.Out(gpio.Low); err != nil {
		return fmt.Errorf("board: select chip: %w", err)
	}
	err := c.Conn.TxPackets(p)
	if len(p) > 0 && p[len(p)-1].KeepCS && err == nil {
		return nil
	}
	if e := c.cs.Out(gpio.High); e != nil {
		return errors.Join(err, fmt.Errorf("board: deselect chip: %w", e))
	}
	return err
}

func (c *softCSConn) Duplex() conn.Duplex { return c.Conn.Duplex() }
