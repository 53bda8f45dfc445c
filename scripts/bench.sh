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
# Radio link (issue 7): delivery and airtime ratio of a 300-byte transaction
# over one-way LoRa SF9/125 kHz with 20 % frame loss, and the curve of
# delivery against redundancy. Needs no mainnet data.
echo
echo "== altnet sim link: 300-byte transaction, one-way SF9/BW125, 20% loss, 1000 trials =="
go run ./cmd/altnet sim link --size 300 --loss 0.2 --trials 1000 --oneway --sf 9 --bw 125 --seed 1
