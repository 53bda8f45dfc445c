// Command altnet is the AltNet gateway: one binary for Raspberry-Pi-class
// boards that links a Bitcoin node to LoRa and AX.25 packet radio, and the
// operator's tools that go with it.
//
// Run "altnet --help" for the list of subcommands and "altnet CMD --help" for
// the flags of one.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal asks for a clean stop; once it has arrived, the
	// signals get their default action back, so a second Ctrl-C ends a
	// stop that hangs.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit status:
// 0 on success, 1 when the command failed, 2 on bad usage.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &env{
		ctx:    ctx,
		stdin:  stdin,
		stdout: stdout,
		stderr: stderr,
		log:    slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	err := rootCommand().dispatch(env, "altnet", args)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, ue)
		return 2
	default:
		fmt.Fprintf(stderr, "altnet: %v\n", err)
		return 1
	}
}

// rootCommand lists every subcommand group of the binary.
func rootCommand() *command {
	return &command{
		name:    "altnet",
		summary: "Bitcoin headers and transactions over LoRa and AX.25 packet radio",
		subs: []*command{
			runCommand(),
			statusCommand(),
			txCommand(),
			probeCommand(),
			simCommand(),
			headersCommand(),
			loraCommand(),
			kissCommand(),
			compressCommand(),
			versionCommand(),
			driverChildCommand(),
		},
	}
}
