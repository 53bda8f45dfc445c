// Package buildroot is a Buildroot external tree (BR2_EXTERNAL) that
// packages the altnet binary, an init script and a default configuration
// into a flashable Raspberry Pi image; see build-image.sh. Its Go test
// checks the tree is consistent, since Buildroot itself cannot run here.
package buildroot

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/altnet/altnet/config"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExternalTreeIsConsistent(t *testing.T) {
	desc := read(t, "external.desc")
	if !regexp.MustCompile(`(?m)^name: ALTNET$`).MatchString(desc) {
		t.Fatalf("external.desc does not name the tree ALTNET:\n%s", desc)
	}
	// Every file Config.in sources exists.
	for _, m := range regexp.MustCompile(`source "\$BR2_EXTERNAL_ALTNET_PATH/([^"]+)"`).FindAllStringSubmatch(read(t, "Config.in"), -1) {
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("Config.in sources %s: %v", m[1], err)
		}
	}
	mk := read(t, filepath.Join("package", "altnet", "altnet.mk"))
	for _, want := range []string{"$(eval $(generic-package))", "ALTNET_SITE_METHOD = local",
		"altnet-linux-arm64", "altnet-linux-armv6", "altnet-linux-armv7", "/etc/altnet/altnet.toml"} {
		if !strings.Contains(mk, want) {
			t.Errorf("altnet.mk lacks %q", want)
		}
	}
	// Files the package installs from its own directory exist.
	for _, m := range regexp.MustCompile(`\$\(ALTNET_PKGDIR\)/(\S+)`).FindAllStringSubmatch(mk, -1) {
		if _, err := os.Stat(filepath.Join("package", "altnet", m[1])); err != nil {
			t.Errorf("altnet.mk installs %s: %v", m[1], err)
		}
	}
	if !strings.Contains(read(t, filepath.Join("configs", "altnet.fragment")), "BR2_PACKAGE_ALTNET=y") {
		t.Error("the defconfig fragment does not enable the package")
	}
}

func TestScriptsParse(t *testing.T) {
	for _, s := range []string{"build-image.sh", "board/raspberrypi/enable-spi.sh", "package/altnet/S90altnet"} {
		out, err := exec.Command("sh", "-n", s).CombinedOutput()
		if err != nil {
			t.Errorf("sh -n %s: %v\n%s", s, err, out)
		}
	}
}

func TestDefaultConfigurationLoads(t *testing.T) {
	c, err := config.Load(filepath.Join("package", "altnet", "altnet.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Radios {
		if r.Direction != "receive-only" {
			t.Errorf("radio %s in the default image transmits (%s); a fresh image must not", r.Name, r.Direction)
		}
	}
}

func TestEnableSPI(t *testing.T) {
	dir := t.TempDir()
	fw := filepath.Join(dir, "rpi-firmware")
	if err := os.MkdirAll(fw, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(fw, "config.txt")
	if err := os.WriteFile(cfg, []byte("kernel=zImage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		cmd := exec.Command("sh", "board/raspberrypi/enable-spi.sh")
		cmd.Env = append(os.Environ(), "BINARIES_DIR="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("enable-spi.sh: %v\n%s", err, out)
		}
	}
	if got := read(t, cfg); strings.Count(got, "dtparam=spi=on") != 1 || !strings.HasPrefix(got, "kernel=zImage\n") {
		t.Fatalf("config.txt after enable-spi.sh:\n%s", got)
	}
}
