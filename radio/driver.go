package radio

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Driver is one transport. Implementations are safe for concurrent use: the
// scheduler sends while a receive loop receives.
type Driver interface {
	// Name identifies the driver in logs, configuration and traffic
	// assignment (for example "lora0" or "ax25-vhf").
	Name() string

	// Capabilities reports what the driver can do. They do not change
	// while the driver is open.
	Capabilities() Capabilities

	// Budget reports the airtime allowance and how much of it is used now.
	Budget() Budget

	// Airtime returns how long a frame with n payload bytes occupies the
	// channel, all link overhead included (preamble, headers, flags, bit
	// stuffing in the worst case, FCS).
	Airtime(n int) time.Duration

	// Send transmits one frame of at most Capabilities().MTU bytes and
	// returns when the frame has left the radio (or, for a TNC, has been
	// handed to it and its airtime accounted). It never transmits beyond the
	// budget: if the frame does not fit now it returns a *BudgetError that
	// says how long to wait, without transmitting. A receive-only driver
	// returns ErrReceiveOnly.
	Send(ctx context.Context, payload []byte) error

	// Receive blocks until a frame arrives, ctx is done, or the driver is
	// closed (ErrClosed). A transmit-only driver blocks until ctx is done or
	// the driver closes. Frames that failed the link's integrity check (CRC,
	// FCS) are counted and dropped, never returned.
	Receive(ctx context.Context) (Frame, error)

	// State reports the driver's current state.
	State() State

	// Events returns a channel of state changes. It is buffered; a slow
	// reader loses the oldest events, never blocks the driver, and can
	// always read the current state with State.
	Events() <-chan StateEvent

	// Close stops the driver and releases its device. It is idempotent.
	Close() error
}

// Direction says which way a driver moves frames.
type Direction uint8

const (
	// TwoWay drivers send and receive.
	TwoWay Direction = iota
	// TransmitOnly drivers only send (a broadcast uplink).
	TransmitOnly
	// ReceiveOnly drivers only listen (an off-grid receiver without a
	// licence or transmitter).
	ReceiveOnly
)

var directionNames = [...]string{TwoWay: "two-way", TransmitOnly: "transmit-only", ReceiveOnly: "receive-only"}

// String returns "two-way", "transmit-only" or "receive-only".
func (d Direction) String() string {
	if int(d) < len(directionNames) {
		return directionNames[d]
	}
	return fmt.Sprintf("Direction(%d)", d)
}

// CanSend reports whether frames can be sent in this direction.
func (d Direction) CanSend() bool { return d != ReceiveOnly }

// CanReceive reports whether frames can be received in this direction.
func (d Direction) CanReceive() bool { return d != TransmitOnly }

// Capabilities describe a driver honestly: the link protocol sizes its
// fragments by MTU, and the scheduler plans by bit rate and airtime.
type Capabilities struct {
	Direction Direction
	// MTU is the largest frame payload in bytes.
	MTU int
	// BitRate is the nominal rate on the air in bits per second.
	BitRate int
}

// Budget is the state of a driver's airtime allowance: at most Allowed of
// airtime in any rolling Window. An unlimited budget has Limited false.
type Budget struct {
	Limited bool          `json:"limited"`
	Window  time.Duration `json:"window"`
	Allowed time.Duration `json:"allowed"`
	// Used is the airtime spent in the window that ends now.
	Used time.Duration `json:"used"`
	// MaxFrame is the longest single transmission allowed (a dwell-time
	// limit); zero means no limit.
	MaxFrame time.Duration `json:"max_frame"`
}

// Remaining returns the airtime left in the current window, or a very
// large duration when the budget is unlimited.
func (b Budget) Remaining() time.Duration {
	if !b.Limited {
		return time.Duration(1<<63 - 1)
	}
	if b.Used >= b.Allowed {
		return 0
	}
	return b.Allowed - b.Used
}

// Frame is one frame received by a driver.
type Frame struct {
	// Driver is the name of the driver that received the frame.
	Driver string
	// Payload is the frame's content; the receiver owns it.
	Payload []byte
	// Time is when reception completed, on the driver's clock.
	Time time.Time
	// HasSignal reports whether RSSI and SNR are meaningful (a KISS TNC
	// does not report them).
	HasSignal bool
	// RSSI is the received signal strength in dBm.
	RSSI int
	// SNR is the signal-to-noise ratio in dB.
	SNR float64
}

// ErrClosed is returned by a closed driver.
var ErrClosed = errors.New("radio: driver closed")

// ErrReceiveOnly is returned by Send on a receive-only driver.
var ErrReceiveOnly = errors.New("radio: driver is receive-only")

// ErrTooLarge is returned by Send for a payload above the MTU.
var ErrTooLarge = errors.New("radio: frame larger than MTU")

// ErrBudget is what a *BudgetError matches with errors.Is.
var ErrBudget = errors.New("radio: airtime budget exhausted")

// BudgetError reports a transmission refused because it would break the
// airtime budget (a duty cycle, a dwell time or an operator's limit). Wait
// says how long until the same frame fits; zero Wait with a non-empty
// Reason means it will never fit (for example longer than the dwell time).
type BudgetError struct {
	Driver string
	Wait   time.Duration
	Reason string
}

// Error says which driver refused, why, and how long to wait.
func (e *BudgetError) Error() string {
	if e.Wait > 0 {
		return fmt.Sprintf("radio: %s: %s: wait %v", e.Driver, e.Reason, e.Wait)
	}
	return fmt.Sprintf("radio: %s: %s", e.Driver, e.Reason)
}

// Is makes errors.Is(err, ErrBudget) true for every *BudgetError.
func (e *BudgetError) Is(target error) bool { return target == ErrBudget }

// ReceiveFrom is the Receive of a driver that queues its frames on rx and
// closes done when it closes: the next frame, ctx's error, or ErrClosed.
func ReceiveFrom(ctx context.Context, rx <-chan Frame, done <-chan struct{}) (Frame, error) {
	select {
	case f := <-rx:
		return f, nil
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	case <-done:
		return Frame{}, ErrClosed
	}
}
