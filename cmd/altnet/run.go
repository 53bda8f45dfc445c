package main

import (
	"flag"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/altnet/altnet/config"
	"github.com/altnet/altnet/daemon"
)

// runCommand is the daemon: `altnet run --config FILE`, as the init script
// and the systemd unit start it.
func runCommand() *command {
	var path string
	return &command{
		name:    "run",
		summary: "run the gateway daemon described by a configuration file",
		long: `Runs the roles of the configuration file (docs/configuration.md) until
SIGINT or SIGTERM, then stops cleanly and exits 0. Logs go to standard
error at the file's log_level; the first line after start says what runs.
'altnet status' and 'altnet tx' talk to the running daemon over the
control socket the file names (docs/operations.md). A wrong value or a
device that cannot be opened stops the start with an error naming the
configuration key.`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&path, "config", config.DefaultPath, "configuration `file`")
		},
		run: func(e *env, args []string) error {
			if err := noArgs("altnet run", args); err != nil {
				return err
			}
			c, err := config.Load(path)
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: logLevel(c.LogLevel)}))
			return daemon.Run(e.ctx, daemon.Options{Config: c, ConfigPath: path, Logger: log, Version: buildVersion()})
		},
	}
}

// logLevel parses a configuration's log_level (validated by config).
func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// buildVersion is the version line without the program name.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return strings.TrimPrefix(versionLine(bi), "altnet ")
}
