#!/bin/sh
# Runs every fuzz target of every package for a while (FUZZTIME, default 5s).
# `go test -fuzz` takes one target at a time, so the targets are listed first.
# usage: scripts/fuzz.sh [FUZZTIME]
set -eu
fuzztime=${1:-5s}
n=0
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "fuzz: $pkg $target for $fuzztime"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
		n=$((n + 1))
	done
done
echo "fuzz: $n targets ran for $fuzztime each"
