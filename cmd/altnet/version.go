package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print the version, commit and Go version of this binary",
		run: func(e *env, args []string) error {
			if err := noArgs("altnet version", args); err != nil {
				return err
			}
			bi, ok := debug.ReadBuildInfo()
			if !ok {
				return fmt.Errorf("version: binary built without module build info")
			}
			fmt.Fprintln(e.stdout, versionLine(bi))
			return nil
		},
	}
}

// versionLine formats the build info as
// "altnet VERSION (commit COMMIT[, modified]) GOVERSION GOOS/GOARCH[/GOARM]".
func versionLine(bi *debug.BuildInfo) string {
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	setting := func(key string) string {
		for _, s := range bi.Settings {
			if s.Key == key {
				return s.Value
			}
		}
		return ""
	}
	commit := setting("vcs.revision")
	if commit == "" {
		commit = "unknown"
	}
	if setting("vcs.modified") == "true" {
		commit += ", modified"
	}
	goos, goarch := setting("GOOS"), setting("GOARCH")
	if goos == "" {
		goos, goarch = runtime.GOOS, runtime.GOARCH
	}
	target := goos + "/" + goarch
	if arm := setting("GOARM"); arm != "" {
		target += "/v" + arm
	}
	return fmt.Sprintf("altnet %s (commit %s) %s %s", version, commit, bi.GoVersion, target)
}
