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
	"runtime"
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

// daemonCommandLines returns the altnet command lines the init script and
// the systemd unit run, as argument lists after the binary's path.
func daemonCommandLines(t *testing.T) map[string][]string {
	t.Helper()
	script := read(t, filepath.Join("package", "altnet", "S90altnet"))
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Z]+)=(\S+)$`).FindAllStringSubmatch(script, -1) {
		vars[m[1]] = m[2]
	}
	m := regexp.MustCompile(`exec (\$DAEMON [^>"]*?)\s*>>`).FindStringSubmatch(script)
	if m == nil || vars["DAEMON"] != "/usr/bin/altnet" {
		t.Fatalf("S90altnet: no exec of $DAEMON=/usr/bin/altnet (vars %v)", vars)
	}
	initLine := os.Expand(m[1], func(k string) string { return vars[k] })
	unit := regexp.MustCompile(`(?m)^ExecStart=(.+)$`).FindStringSubmatch(read(t, filepath.Join("package", "altnet", "altnet.service")))
	if unit == nil {
		t.Fatal("altnet.service has no ExecStart")
	}
	lines := map[string][]string{}
	for name, line := range map[string]string{"S90altnet": initLine, "altnet.service": unit[1]} {
		f := strings.Fields(line)
		if f[0] != "/usr/bin/altnet" {
			t.Fatalf("%s runs %s, not /usr/bin/altnet", name, f[0])
		}
		lines[name] = f[1:]
	}
	return lines
}

// TestDaemonCommandLineIsAccepted builds the binary and checks that the
// command line the image starts it with (altnet run --config
// /etc/altnet/altnet.toml) is one it accepts: with --help appended it
// prints the run command's usage and exits 0, where an unknown command or
// flag would exit 2.
func TestDaemonCommandLineIsAccepted(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "altnet")
	build := exec.Command("go", "build", "-o", bin, "../cmd/altnet")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for name, args := range daemonCommandLines(t) {
		if want := []string{"run", "--config", config.DefaultPath}; strings.Join(args, " ") != strings.Join(want, " ") {
			t.Errorf("%s runs altnet %v, want %v", name, args, want)
		}
		argv := append(strings.Fields(os.Getenv("ALTNET_EXEC_WRAPPER")), bin)
		argv = append(append(argv, args...), "--help")
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Usage:\n  altnet run [flags]") || !strings.Contains(string(out), "-config file") {
			t.Errorf("%s: altnet %v: %v\n%s", name, argv[1:], err, out)
		}
	}
}
