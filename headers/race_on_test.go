//go:build race

package headers

// raceEnabled: the race detector slows hashing about tenfold.
const raceEnabled = true
