package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/control"
	"github.com/altnet/altnet/gateway"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/proc"
	"github.com/altnet/altnet/radio/traffic"
)

// radioRun is one configured radio and its driver.
type radioRun struct {
	cfg config.Radio
	drv radio.Driver
	sup *proc.Supervisor // the driver's child process, when process = true

	mu        sync.Mutex
	lastErr   string
	lastErrAt time.Time
}

// openRadios opens every radio, in file order.
func (d *daemon) openRadios(ctx context.Context) error {
	for i, r := range d.cfg.Radios {
		rr := &radioRun{cfg: r}
		var err error
		if r.Process {
			rr.sup, err = d.startChild(ctx, i)
			rr.drv = rr.sup
		} else {
			rr.drv, err = OpenDriver(d.cfg, i, DriverEnv{Logger: d.log, OpenBoard: d.o.OpenBoard})
		}
		if err != nil {
			return err
		}
		d.radios = append(d.radios, rr)
	}
	return nil
}

// startChild starts radio i's driver in a supervised child process: this
// binary again, as `altnet driver-child`, reading the same section of the
// same file and opening only that radio's device.
func (d *daemon) startChild(ctx context.Context, i int) (*proc.Supervisor, error) {
	r := d.cfg.Radios[i]
	if d.o.ConfigPath == "" {
		return nil, fmt.Errorf("daemon: radio[%d].process: a driver child reads the configuration file, and this daemon has none", i)
	}
	path, err := filepath.Abs(d.o.ConfigPath)
	if err != nil {
		return nil, fmt.Errorf("daemon: radio[%d].process: %w", i, err)
	}
	cmd, err := proc.ChildCommand("driver-child", "--kind", r.Type, "--name", r.Name, "--config", path)
	if err != nil {
		return nil, fmt.Errorf("daemon: radio[%d].process: %w", i, err)
	}
	window, allowed := coreLedger(r)
	sctx, cancel := context.WithTimeout(ctx, d.o.ChildStartTimeout)
	defer cancel()
	s, err := proc.Start(sctx, proc.Options{Name: r.Name, Command: cmd, Logger: d.log,
		DutyWindow: window, DutyAllowed: allowed})
	if err != nil {
		return nil, fmt.Errorf("daemon: radio[%d] (%s): driver child did not come up: %w (its log lines say why)", i, r.Name, err)
	}
	return s, nil
}

// watch logs the driver's state changes until ctx ends and keeps the last
// failure for the status.
func (rr *radioRun) watch(ctx context.Context, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-rr.drv.Events():
			if ev.State == radio.Failed {
				msg := "unknown"
				if ev.Err != nil {
					msg = ev.Err.Error()
				}
				rr.mu.Lock()
				rr.lastErr, rr.lastErrAt = msg, ev.Time
				rr.mu.Unlock()
				log.Warn("altnet: radio failed", "radio", ev.Driver, "err", msg)
				continue
			}
			log.Info("altnet: radio "+ev.State.String(), "radio", ev.Driver)
		}
	}
}

// describe names the radio for the start line.
func (rr *radioRun) describe() string {
	caps := rr.drv.Capabilities()
	s := fmt.Sprintf("%s (%s, %s, MTU %d, %d bit/s", rr.cfg.Name, rr.cfg.Type, caps.Direction, caps.MTU, caps.BitRate)
	if rr.sup != nil {
		s += fmt.Sprintf(", child pid %d", rr.sup.PID())
	}
	return s + ")"
}

// status reports what the gateway's driver status lacks.
func (rr *radioRun) status() control.Radio {
	st := control.Radio{Name: rr.cfg.Name, Type: rr.cfg.Type, Process: rr.sup != nil}
	if rr.sup != nil {
		st.PID = rr.sup.PID()
		st.Restarts = max(rr.sup.Stats().Starts-1, 0)
	}
	rr.mu.Lock()
	defer rr.mu.Unlock()
	st.LastError, st.LastErrorAt = rr.lastErr, rr.lastErrAt
	return st
}

// gatewayDrivers gives the gateway each radio with its forward error
// correction, and the carousel, as deep as the radio's, on radios that
// carry headers.
func (d *daemon) gatewayDrivers() []gateway.Driver {
	var ds []gateway.Driver
	for _, rr := range d.radios {
		ds = append(ds, gateway.Driver{Driver: rr.drv, Redundancy: redundancy(rr.cfg),
			Carousel:      rr.cfg.Carousel > 0 && slices.Contains(rr.cfg.Carry, config.CarryHeaders),
			CarouselDepth: rr.cfg.Carousel})
	}
	return ds
}

// redundancy is the link planner's setting of a radio.
func redundancy(r config.Radio) link.Redundancy {
	if r.Delivery == 0 {
		return link.Redundancy{Loss: r.Loss}
	}
	return link.Redundancy{Loss: r.Loss, Target: r.Delivery}
}

// carryTypes maps the configuration's message kinds to link types.
func carryTypes() map[string]link.Type {
	return map[string]link.Type{
		config.CarryHeaders:  link.TypeHeaderRun,
		config.CarryTips:     link.TypeTip,
		config.CarryTxs:      link.TypeTx,
		config.CarryAcks:     link.TypeTxAck,
		config.CarryRequests: link.TypeHeaderRequest,
	}
}

// assignment says which radios send each message type: those that can
// transmit and carry it. Every type has an entry, so a type no radio
// carries goes nowhere.
func assignment(c config.Config) traffic.Assignment {
	kinds := carryTypes()
	a := traffic.Assignment{}
	for _, t := range kinds {
		a[t] = []string{}
	}
	for _, r := range c.Radios {
		if !direction(r.Direction).CanSend() {
			continue
		}
		for _, k := range r.Carry {
			if t, ok := kinds[k]; ok && !slices.Contains(a[t], r.Name) {
				a[t] = append(a[t], r.Name)
			}
		}
	}
	return a
}
