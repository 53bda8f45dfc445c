################################################################################
#
# altnet
#
# Packages the static binary that `make cross` builds in the AltNet checkout
# (byte-identical for everyone who builds the same commit), rather than
# rebuilding it with Buildroot's Go: the firmware then carries exactly the
# binary whose sha256 the release lists.
#
################################################################################

ALTNET_VERSION = local
ALTNET_SITE = $(BR2_EXTERNAL_ALTNET_PATH)/..
ALTNET_SITE_METHOD = local
ALTNET_INSTALL_STAGING = NO

ifeq ($(BR2_aarch64),y)
ALTNET_BINARY = altnet-linux-arm64
else ifeq ($(BR2_ARM_CPU_ARMV6),y)
ALTNET_BINARY = altnet-linux-armv6
else
ALTNET_BINARY = altnet-linux-armv7
endif

# Build the binary if the checkout has not (make cross needs Go on the host).
define ALTNET_BUILD_CMDS
	test -x $(@D)/dist/$(ALTNET_BINARY) || $(MAKE) -C $(@D) cross
endef

define ALTNET_INSTALL_TARGET_CMDS
	$(INSTALL) -D -m 0755 $(@D)/dist/$(ALTNET_BINARY) $(TARGET_DIR)/usr/bin/altnet
	$(INSTALL) -D -m 0644 $(ALTNET_PKGDIR)/altnet.toml $(TARGET_DIR)/etc/altnet/altnet.toml
	mkdir -p $(TARGET_DIR)/var/lib/altnet
endef

define ALTNET_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(ALTNET_PKGDIR)/S90altnet $(TARGET_DIR)/etc/init.d/S90altnet
endef

define ALTNET_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(ALTNET_PKGDIR)/altnet.service $(TARGET_DIR)/usr/lib/systemd/system/altnet.service
endef

define ALTNET_USERS
	altnet -1 altnet -1 * /var/lib/altnet - spi,gpio,dialout AltNet gateway
endef

# The configuration may hold tx.ack_key, a secret: readable by root and the
# altnet group only.
define ALTNET_PERMISSIONS
	/etc/altnet/altnet.toml f 0640 0 altnet - - - - -
endef

$(eval $(generic-package))
