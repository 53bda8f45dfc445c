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

# compress (issue 3): the codec figures over every header run, era sample
# and full block in the data folder.
bin=$(mktemp -d)
go build -o "$bin/altnet" ./cmd/altnet
echo "== compress: header runs, form (a) and (b), with reference sizes =="
"$bin/altnet" compress headers "$data"/mainnet-headers-*-*.bin
echo "== compress: transactions, era samples and full blocks =="
"$bin/altnet" compress txs "$data"/mainnet-txs-*.hex "$data"/mainnet-block-*.bin.gz
rm -rf "$bin"
