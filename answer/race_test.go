//go:build race

package answer

// raceEnabled: the race detector slows the loopback round trips about
// tenfold, so the long property tests run fewer cases under it.
const raceEnabled = true
