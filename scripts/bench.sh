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

# headers (issue 4): header validation against the raw double-SHA256 rate
# of the same run (interleaved), append and lookup rates, and the
# 1,000,000-header store: open time, peak RSS of a fresh process, bytes per
# header on flash. The validation uses the real 2023-24 mainnet run.
echo
echo "headers: figures (docs/headers.md)"
go test -run '^$' -bench '^BenchmarkHeaders$' -benchtime "$benchtime" ./headers | awk '
/^BenchmarkHeaders\// {
	name = $1; sub(/^BenchmarkHeaders\//, "", name); sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i += 2) m[name "," $(i+1)] = $i
}
END {
	if (!(("validate-vs-sha256d,ratio") in m)) { print "headers: benchmark output missing"; exit 1 }
	printf "| %-58s | %s |\n", "figure", "value"
	printf "|%s|%s|\n", "------------------------------------------------------------", "------------------------"
	printf "| %-58s | %.2f M/s |\n", "raw double-SHA256 of 80-byte headers", m["validate-vs-sha256d,sha256d/s"] / 1e6
	printf "| %-58s | %.2f M/s = %.2f x raw |\n", "header validation, every rule, hashing included", m["validate-vs-sha256d,validated/s"] / 1e6, m["validate-vs-sha256d,ratio"]
	printf "| %-58s | %.0f headers/s |\n", "append, 2000-header batches (one fsync each)", m["append-2000,headers/s"]
	printf "| %-58s | %.0f headers/s |\n", "append, one header per batch (one fsync each)", m["append-1,headers/s"]
	printf "| %-58s | %.0f /s |\n", "header by height, 1M-header store", m["by-height,lookups/s"]
	printf "| %-58s | %.0f /s |\n", "height by hash, 1M-header store", m["by-hash,lookups/s"]
	printf "| %-58s | %.0f ms (in process %.0f ms) |\n", "open 1,000,000-header store, fresh process", m["open-1M,ms-fresh-open"], m["open-1M,ns/op"] / 1e6
	printf "| %-58s | %.1f MB |\n", "peak RSS of a process with it open", m["open-1M,MB-peak-RSS"]
	printf "| %-58s | %.3f |\n", "bytes per header on flash, everything included", m["open-1M,bytes/header"]
}'
