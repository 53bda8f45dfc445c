package mainnetdata

import (
	"path/filepath"
	"testing"
)

func TestDirOverride(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv(EnvVar, tmp)
	d, ok := Dir()
	if !ok || d != tmp {
		t.Fatalf("Dir() = %q, %v; want %q, true", d, ok, tmp)
	}
	if _, ok := Path("missing.bin"); ok {
		t.Fatal("Path found a file that does not exist")
	}
	t.Setenv(EnvVar, filepath.Join(tmp, "nope"))
	if _, ok := Dir(); ok {
		t.Fatal("Dir reported a missing folder as present")
	}
}
