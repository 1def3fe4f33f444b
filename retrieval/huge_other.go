//go:build !linux

package retrieval

// adviseHuge does nothing off Linux (see huge_linux.go).
func adviseHuge([]float32) {}
