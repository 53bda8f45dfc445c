#!/bin/sh
# Builds a flashable Raspberry Pi image with AltNet.
#
# usage: buildroot/build-image.sh BUILDROOT_DIR BOARD_DEFCONFIG [OUTPUT_DIR]
#   BUILDROOT_DIR    a Buildroot checkout (2024.02 or newer)
#   BOARD_DEFCONFIG  raspberrypi0w_defconfig (ARMv6), raspberrypi3_defconfig
#                    (ARMv7) or raspberrypi4_64_defconfig (AArch64), ...
#   OUTPUT_DIR       defaults to ./output-BOARD
#
# It builds the matching static binary with `make cross`, takes Buildroot's
# own defconfig for the board, merges configs/altnet.fragment over it, adds
# the SPI post-image step, and runs make. The image lands in
# OUTPUT_DIR/images/sdcard.img.
set -eu
[ $# -ge 2 ] || { sed -n '3,14p' "$0"; exit 2; }
br=$(cd "$1" && pwd)
defconfig=$2
here=$(cd "$(dirname "$0")" && pwd)
out=${3:-$PWD/output-${defconfig%_defconfig}}
[ -f "$br/configs/$defconfig" ] || { echo "build-image: $br/configs/$defconfig not found" >&2; exit 1; }

make -C "$here/.." cross
make -C "$br" O="$out" BR2_EXTERNAL="$here" "$defconfig"
"$br/support/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$here/configs/altnet.fragment"
# Run the SPI step before the board's own post-image script (which builds
# the SD card image from config.txt).
post=$(sed -n 's/^BR2_ROOTFS_POST_IMAGE_SCRIPT="\(.*\)"/\1/p' "$out/.config")
sed -i "s|^BR2_ROOTFS_POST_IMAGE_SCRIPT=.*|BR2_ROOTFS_POST_IMAGE_SCRIPT=\"\$(BR2_EXTERNAL_ALTNET_PATH)/board/raspberrypi/enable-spi.sh $post\"|" "$out/.config"
make -C "$br" O="$out" olddefconfig
make -C "$br" O="$out"
echo "build-image: $out/images/sdcard.img"
