// Package mainnetdata finds the real Bitcoin mainnet sample data that tests
// and benchmarks measure against.
//
// The data lives outside the repository, in ../shared/data next to the
// checkout (see that folder's SOURCES.md); a new user's clone has none, so
// every test keeps its core assertions without it and only adds the
// measurements over real data when Dir finds the folder. Set ALTNET_DATA to
// point somewhere else.
package mainnetdata

import (
	"os"
	"path/filepath"
)

// EnvVar names the environment variable that overrides the data folder.
const EnvVar = "ALTNET_DATA"

// Dir returns the data folder and whether it exists. It honours ALTNET_DATA,
// and otherwise looks for shared/data beside the module root that contains
// the working directory.
func Dir() (string, bool) {
	if d := os.Getenv(EnvVar); d != "" {
		return d, isDir(d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(filepath.Dir(dir), "shared", "data")
			return d, isDir(d)
		}
		if filepath.Dir(dir) == dir {
			return "", false
		}
	}
}

// Path returns the path of the named file in the data folder and whether
// that file exists.
func Path(name string) (string, bool) {
	d, ok := Dir()
	if !ok {
		return "", false
	}
	p := filepath.Join(d, name)
	st, err := os.Stat(p)
	return p, err == nil && st.Mode().IsRegular()
}

func isDir(d string) bool {
	st, err := os.Stat(d)
	return err == nil && st.IsDir()
}
