#!/bin/sh
# Benchmarks and figure tables. The benchmarks run everywhere; the tables over
# real mainnet data run when ../shared/data exists (ALTNET_DATA overrides).
# usage: scripts/bench.sh [BENCHTIME]
set -eu
benchtime=${1:-1s}
data=${ALTNET_DATA:-../shared/data}
go test -run '^$' -bench . -benchmem -benchtime "$benchtime" ./...
if [ ! -d "$data" ]; then
	echo "bench: $data not found; the tables over real mainnet data are skipped."
	exit 0
fi
