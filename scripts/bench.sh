#!/bin/sh
# Benchmarks and figure tables (make bench). Every benchmark runs once; the
# tables below are computed from that one run, so each figure is a ratio
# against a baseline measured in the same run. The tables over real mainnet
# data run when ../shared/data exists (ALTNET_DATA overrides).
# usage: scripts/bench.sh [BENCHTIME]
set -eu
benchtime=${1:-1s}
data=${ALTNET_DATA:-../shared/data}
out=$(mktemp)
bin=$(mktemp -d)
trap 'rm -rf "$out" "$bin"' EXIT
go test -run '^$' -bench . -benchmem -benchtime "$benchtime" ./... | tee "$out"
go build -o "$bin/altnet" ./cmd/altnet

# ax25 (issue 6): AX.25 and KISS codec throughput as a ratio against copying
# the same bytes in the same run, and as a multiple of a 9600-baud channel
# (1200 octets per second).
echo
echo "ax25: codec throughput against memcpy of the same bytes (same run)"
awk '
/^pkg:/ { pkg = $2; ours = (pkg ~ /\/ax25(\/kiss)?$/); sub(/.*\//, "", pkg) }
ours && /^Benchmark/ && /MB\/s/ {
	name = $1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$/, "", name)
	for (i = 2; i < NF; i++) if ($(i+1) == "MB/s") mbs = $i
	if (name == "Copy") base[pkg] = mbs; else { n++; p[n] = pkg; b[n] = name; m[n] = mbs }
}
END {
	printf "%-8s %-14s %10s %12s %16s\n", "package", "benchmark", "MB/s", "copy/codec", "x 9600-baud air"
	for (i = 1; i <= n; i++)
		printf "%-8s %-14s %10.1f %12.1f %16.0f\n", p[i], b[i], m[i], base[p[i]] / m[i], m[i] * 1e6 / 1200
}' "$out"

# Radio link (issue 7): delivery and airtime ratio of a 300-byte transaction
# over one-way LoRa SF9/125 kHz with 20 % frame loss, and the curve of
# delivery against redundancy. Needs no mainnet data.
echo
echo "== altnet sim link: 300-byte transaction, one-way SF9/BW125, 20% loss, 1000 trials =="
"$bin/altnet" sim link --size 300 --loss 0.2 --trials 1000 --oneway --sf 9 --bw 125 --seed 1

# One-way catch-up (gateway): a receive-only receiver 2,000 headers behind a
# carousel of 125 runs on SF7 with 10 % frame loss and no parity, holding
# the runs heard ahead of its chain against holding none (the baseline),
# in simulated radio time from the same run.
echo
echo "== one-way catch-up: 2,000 headers from the carousel, 10% frame loss, no parity =="
go test ./gateway -run '^TestOneWayCatchUpHoldsRunsAhead$' -count=1 -v -args -catchup-blocks 2000 | awk '
/caught up in/ {
	sub(/.*held_test.go:[0-9]+: /, ""); print
	d = $0; sub(/.*caught up in /, "", d); sub(/ of radio time.*/, "", d)
	m = 0; if (d ~ /h/) { split(d, a, "h"); m = a[1] * 60; d = a[2] }
	if (d ~ /m/) { split(d, a, "m"); m += a[1] }
	t[++n] = m
}
END { if (n == 2 && t[1] > 0) printf "holding runs ahead: %.1f x faster than holding none\n", t[2] / t[1] }'

# LoRa (issue 5): exact time on air against the bare symbol-time division,
# and a frame sent through the driver and the SX127x chip model against one
# SPI register read through the model (same run). Needs no mainnet data.
echo
echo "lora: time on air and a model-backed send (same run)"
awk '
/^pkg:/ { inlora = ($2 ~ /\/lora$/) }
inlora && /^Benchmark/ {
	name = $1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$/, "", name)
	ns[name] = $3
	for (i = 4; i < NF; i++) { if ($(i+1) == "cpu-ns/op") cpu = $i; if ($(i+1) == "spi-tx/op") spi = $i }
}
END {
	printf "Airtime: %.1f ns, %.2f x the symbol-time baseline (%.1f ns)\n", ns["Airtime"], ns["Airtime"] / ns["SymbolTime"], ns["SymbolTime"]
	printf "Send on the model: %.0f SPI transactions, %.0f us of CPU = %.0f x one register read through the model (%.1f ns)\n", spi, cpu / 1000, cpu / ns["RegisterRead"], ns["RegisterRead"]
}' "$out"

if [ ! -d "$data" ]; then
	echo
	echo "bench: $data not found; the tables over real mainnet data are skipped."
	exit 0
fi

# compress (issue 3): the codec figures over every header run, era sample
# and full block in the data folder.
echo "== compress: header runs, form (a) and (b), with reference sizes =="
"$bin/altnet" compress headers "$data"/mainnet-headers-*-*.bin
echo "== compress: transactions, era samples and full blocks =="
"$bin/altnet" compress txs "$data"/mainnet-txs-*.hex "$data"/mainnet-block-*.bin.gz

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
