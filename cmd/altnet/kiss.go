package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/altnet/altnet/ax25"
	"github.com/altnet/altnet/ax25/tnc"
)

func kissCommand() *command {
	return &command{
		name:    "kiss",
		summary: "send and monitor AX.25 frames through a KISS TNC (serial or TCP, e.g. Direwolf)",
		subs:    []*command{kissSendCommand(), kissMonitorCommand()},
	}
}

// linkFlags are the flags that choose the TNC.
type linkFlags struct {
	tcp, serial string
	baud, port  int
}

func (l *linkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.tcp, "tcp", "", "KISS over TCP at `HOST:PORT` (Direwolf: "+tnc.DefaultTCPAddr+")")
	fs.StringVar(&l.serial, "serial", "", "KISS TNC on the serial `DEVICE`, e.g. /dev/ttyUSB0")
	fs.IntVar(&l.baud, "baud", 9600, "serial line rate of the TNC")
	fs.IntVar(&l.port, "port", 0, "KISS port (TNC radio channel), 0-15")
}

func (l *linkFlags) dialer(path string) (tnc.Dialer, error) {
	switch {
	case l.tcp != "" && l.serial != "":
		return nil, usagef("%s: give --tcp or --serial, not both", path)
	case l.tcp != "":
		return tnc.TCP{Addr: l.tcp}, nil
	case l.serial != "":
		return tnc.Serial{Device: l.serial, Baud: l.baud}, nil
	}
	return nil, usagef("%s: give the TNC with --tcp HOST:PORT or --serial DEVICE", path)
}

func (l *linkFlags) kissPort(path string) (uint8, error) {
	if l.port < 0 || l.port > 15 {
		return 0, usagef("%s: --port %d, want 0 to 15", path, l.port)
	}
	return uint8(l.port), nil
}

func kissSendCommand() *command {
	const path = "altnet kiss send"
	var (
		link          linkFlags
		src, dst, via string
		hexInfo       string
		pid           uint
		timeout       time.Duration
	)
	return &command{
		name:    "send",
		summary: "send one AX.25 UI frame",
		usage:   "TEXT | --hex HEX",
		long: `Sends one UI frame from --src to --dst through the TNC and prints it in
TNC2 monitor format. The information field is TEXT (the arguments joined by
spaces) or the bytes of --hex. The operator's callsign (--src) is required:
amateur frames must identify their sender. Nothing is encrypted. The TNC's
own parameters (TXDELAY, persistence) are left as they are.`,
		flags: func(fs *flag.FlagSet) {
			link.register(fs)
			fs.StringVar(&src, "src", "", "the operator's `CALLSIGN`[-SSID] (required)")
			fs.StringVar(&dst, "dst", "", "destination `CALLSIGN`[-SSID] (required)")
			fs.StringVar(&via, "via", "", "digipeaters, comma separated (at most 8), e.g. WIDE1-1,WIDE2-1")
			fs.StringVar(&hexInfo, "hex", "", "information field as hexadecimal `HEX` instead of TEXT")
			fs.UintVar(&pid, "pid", ax25.PIDNoLayer3, "protocol identifier (0xF0: no layer 3)")
			fs.DurationVar(&timeout, "timeout", 10*time.Second, "give up connecting to the TNC after this long")
		},
		run: func(e *env, args []string) error {
			info, err := sendInfo(path, args, hexInfo)
			if err != nil {
				return err
			}
			d, err := link.dialer(path)
			if err != nil {
				return err
			}
			cfg, err := sendConfig(path, &link, src, dst, via, pid, len(info))
			if err != nil {
				return err
			}
			cfg.Logger = e.log
			return kissSend(e, d, cfg, info, timeout)
		},
	}
}

// sendInfo returns the information field from the arguments or --hex.
func sendInfo(path string, args []string, hexInfo string) ([]byte, error) {
	switch {
	case hexInfo != "" && len(args) > 0:
		return nil, usagef("%s: give TEXT or --hex, not both", path)
	case hexInfo != "":
		b, err := hex.DecodeString(strings.ReplaceAll(hexInfo, " ", ""))
		if err != nil {
			return nil, usagef("%s: --hex: %v", path, err)
		}
		return b, nil
	case len(args) == 0:
		return nil, usagef("%s: missing TEXT or --hex HEX", path)
	}
	return []byte(strings.Join(args, " ")), nil
}

func sendConfig(path string, link *linkFlags, src, dst, via string, pid uint, n int) (tnc.Config, error) {
	if src == "" {
		return tnc.Config{}, usagef("%s: --src CALLSIGN is required: amateur frames must carry the operator's callsign", path)
	}
	if dst == "" {
		return tnc.Config{}, usagef("%s: --dst CALLSIGN is required", path)
	}
	if pid > 0xFF {
		return tnc.Config{}, usagef("%s: --pid %d, want 0 to 255", path, pid)
	}
	port, err := link.kissPort(path)
	if err != nil {
		return tnc.Config{}, err
	}
	var digis []string
	if via != "" {
		digis = strings.Split(via, ",")
	}
	return tnc.Config{
		Name: "kiss", Callsign: src, Dest: dst, Path: digis, PID: byte(pid), Port: port,
		PACLEN: max(n, 1), MinBackoff: 200 * time.Millisecond,
	}, nil
}

func kissSend(e *env, dialer tnc.Dialer, cfg tnc.Config, info []byte, timeout time.Duration) error {
	d, err := tnc.Open(dialer, cfg)
	if err != nil {
		return usagef("altnet kiss send: %v", err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(e.ctx, timeout)
	defer cancel()
	if err := d.WaitUp(ctx); err != nil {
		return fmt.Errorf("kiss send: %w", err)
	}
	if err := d.Send(ctx, info); err != nil {
		return fmt.Errorf("kiss send: %w", err)
	}
	f := sentFrame(cfg, info)
	fmt.Fprintf(e.stdout, "%s\n", f.AppendTNC2(nil, false))
	return nil
}

// sentFrame rebuilds the frame the driver sent, for the confirmation line.
func sentFrame(cfg tnc.Config, info []byte) ax25.Frame {
	src, _ := ax25.ParseAddress(cfg.Callsign)
	dst, _ := ax25.ParseAddress(cfg.Dest)
	var path []ax25.Address
	for _, p := range cfg.Path {
		a, _ := ax25.ParseAddress(p)
		path = append(path, a)
	}
	return ax25.NewUI(src, dst, path, cfg.PID, info)
}

func kissMonitorCommand() *command {
	const path = "altnet kiss monitor"
	var (
		link  linkFlags
		ascii bool
	)
	return &command{
		name:    "monitor",
		summary: "print every frame the TNC hears, in TNC2 format, until interrupted",
		long: `Prints each frame the TNC receives as one line "SRC>DST,DIGI*:info", as
Direwolf's kissutil does: non-printable octets appear as <0xNN>. Frames that
are not valid AX.25 are reported on stderr. The TNC's link state is logged on
stderr; the monitor reconnects when the TNC goes away.`,
		flags: func(fs *flag.FlagSet) {
			link.register(fs)
			fs.BoolVar(&ascii, "ascii", false, "escape octets 0x80 and above too (binary payloads)")
		},
		run: func(e *env, args []string) error {
			if err := noArgs(path, args); err != nil {
				return err
			}
			d, err := link.dialer(path)
			if err != nil {
				return err
			}
			port, err := link.kissPort(path)
			if err != nil {
				return err
			}
			return kissMonitor(e, d, port, ascii)
		},
	}
}

func kissMonitor(e *env, dialer tnc.Dialer, port uint8, ascii bool) error {
	var mu sync.Mutex
	print := func(h tnc.Heard) {
		mu.Lock()
		defer mu.Unlock()
		if h.Err != nil {
			e.log.Warn("kiss monitor: not an AX.25 frame", "octets", len(h.Raw), "err", h.Err, "hex", hex.EncodeToString(h.Raw))
			return
		}
		line := h.Frame.AppendTNC2(nil, ascii)
		_, _ = e.stdout.Write(append(line, '\n'))
	}
	d, err := tnc.Open(dialer, tnc.Config{Name: "kiss", Port: port, Monitor: print, Logger: e.log,
		MinBackoff: 500 * time.Millisecond, MaxBackoff: 10 * time.Second})
	if err != nil {
		return fmt.Errorf("kiss monitor: %w", err)
	}
	defer d.Close()
	// Receive drains the frames addressed to AltNet; the monitor prints
	// everything through the callback.
	for {
		if _, err := d.Receive(e.ctx); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("kiss monitor: %w", err)
		}
	}
}
