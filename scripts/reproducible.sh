#!/bin/sh
# Builds the ARM binaries twice, the second time with an empty build cache,
# and checks that the two builds are byte-identical. Run from the repository
# root (make reproducible).
set -eu
first=$(mktemp)
cache=$(mktemp -d)
trap 'rm -rf "$first" "$cache"' EXIT
rm -rf dist && make -s cross >/dev/null
(cd dist && sha256sum altnet-linux-*) >"$first"
rm -rf dist && GOCACHE=$cache make -s cross >/dev/null
if (cd dist && sha256sum altnet-linux-*) | diff "$first" -; then
	echo "reproducible: both builds identical"
	cat "$first"
else
	echo "reproducible: the two builds differ" >&2
	exit 1
fi
