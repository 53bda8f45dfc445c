#!/bin/sh
# The ARM half of `make test`: the whole suite cross-compiled for linux/arm
# (GOARM=6, the Pi Zero and Pi 1) and executed under qemu user emulation, so
# 32-bit, alignment and endianness bugs show up before a board is flashed.
#
# usage: scripts/test-arm.sh QEMU REQUIRE
# QEMU is the emulator (qemu-arm-static); when REQUIRE is non-empty a missing
# emulator is an error instead of a skip.
set -eu
qemu=${1:-qemu-arm-static}
require=${2:-}
if ! command -v "$qemu" >/dev/null 2>&1; then
	echo "test-arm: $qemu not found; skipping the linux/arm half of the tests."
	echo "test-arm: install it with: sudo apt-get install qemu-user-static"
	if [ -n "$require" ]; then
		echo "test-arm: ALTNET_REQUIRE_QEMU is set, so this is a failure." >&2
		exit 1
	fi
	exit 0
fi
echo "test-arm: running the suite for linux/arm GOARM=6 under $qemu"
# Tests that start a copy of their own binary go through the same emulator.
ALTNET_EXEC_WRAPPER=$qemu \
CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=6 \
	go test -count=1 -exec "$qemu" ./...
