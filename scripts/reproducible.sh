#!/bin/sh
# Builds the ARM binaries twice from a clean dist/ and checks that the two
# builds are byte-identical. Run from the repository root (make reproducible).
set -eu
first=$(mktemp)
trap 'rm -f "$first"' EXIT
rm -rf dist && make -s cross >/dev/null
(cd dist && sha256sum altnet-linux-*) >"$first"
go clean -cache
rm -rf dist && make -s cross >/dev/null
if (cd dist && sha256sum altnet-linux-*) | diff "$first" -; then
	echo "reproducible: both builds identical"
	cat "$first"
else
	echo "reproducible: the two builds differ" >&2
	exit 1
fi
