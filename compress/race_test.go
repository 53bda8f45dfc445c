//go:build race

package compress

// raceEnabled slows the tests that walk every transaction of the full
// blocks down to a sample under the race detector.
const raceEnabled = true
