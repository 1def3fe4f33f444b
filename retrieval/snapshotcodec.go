package retrieval

import (
	"encoding/binary"
	"errors"
	"slices"
)

// The pieces of the snapshot's records (see snapshotfile.go).

// decoder reads uvarints and uvarint-prefixed strings; the first error
// sticks and later reads return zero values.
type decoder struct {
	p   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.p)
	if n <= 0 {
		d.err = errors.New("bad number")
		return 0
	}
	d.p = d.p[n:]
	return x
}

func (d *decoder) byte() byte {
	if d.err == nil && len(d.p) == 0 {
		d.err = errors.New("short record")
	}
	if d.err != nil {
		return 0
	}
	b := d.p[0]
	d.p = d.p[1:]
	return b
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.p)) {
		d.err = errors.New("short record")
	}
	if d.err != nil {
		return ""
	}
	s := string(d.p[:n])
	d.p = d.p[n:]
	return s
}

// vectorOrder is the order writeSnapshot writes the vectors of s in: the
// hashes of s.Order that have one (each once), then the rest, sorted.
func vectorOrder(s *snapshot) []string {
	out := make([]string, 0, len(s.Vectors))
	done := make(map[string]bool, len(s.Order))
	for _, h := range s.Order {
		if _, ok := s.Vectors[h]; ok && !done[h] {
			done[h] = true
			out = append(out, h)
		}
	}
	rest := len(out)
	for h := range s.Vectors {
		if !done[h] {
			out = append(out, h)
		}
	}
	slices.Sort(out[rest:])
	return out
}

func appendStr(p []byte, s string) []byte {
	p = binary.AppendUvarint(p, uint64(len(s)))
	return append(p, s...)
}
