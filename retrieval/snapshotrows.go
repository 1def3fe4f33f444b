package retrieval

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// rowDecoder decodes the vector records of a snapshot into its rows on a
// goroutine of its own, while the reader goes on reading and hashing the
// file: at 100k vectors of 1,536 dimensions, writing 600 MB of fresh rows
// is most of a start, and the two overlap on two cores. Records are handed
// over in batches, copied, in file order, so row i is the i-th vector
// record whatever the timing.
type rowDecoder struct {
	dims    int
	rows    []float32
	vectors map[string][]float32 // written by the goroutine only, until wait returns
	next    int                  // rows handed over (the reader's)
	cur     *rowBatch
	work    chan *rowBatch
	free    chan *rowBatch
	done    chan struct{}
	err     error // the first bad record, set by the goroutine
	failed  atomic.Bool
	stop    sync.Once
}

// rowBatch is a run of vector records (without their kind byte), ends[i]
// ending the i-th in buf, for the rows from row0.
type rowBatch struct {
	buf  []byte
	ends []int
	row0 int
}

// rowBatchLen is the records per batch; three batches are in use at most.
const rowBatchLen = 256

// newRowDecoder starts decoding into rows, len(rows)/dims records at most,
// recording each in vectors by hash.
func newRowDecoder(dims int, rows []float32, vectors map[string][]float32) *rowDecoder {
	d := &rowDecoder{dims: dims, rows: rows, vectors: vectors,
		work: make(chan *rowBatch, 2), free: make(chan *rowBatch, 3), done: make(chan struct{})}
	for range 3 {
		d.free <- &rowBatch{}
	}
	go d.run()
	return d
}

// add hands over one vector record. It fails when the file holds more
// records than rows, or when an earlier record was bad.
func (d *rowDecoder) add(rec []byte) error {
	if d.failed.Load() {
		return d.wait()
	}
	if d.next == len(d.rows)/max(d.dims, 1) {
		return fmt.Errorf("more than the %d vectors the header says", d.next)
	}
	if d.cur == nil {
		d.cur = <-d.free
		d.cur.buf, d.cur.ends, d.cur.row0 = d.cur.buf[:0], d.cur.ends[:0], d.next
	}
	d.cur.buf = append(d.cur.buf, rec...)
	d.cur.ends = append(d.cur.ends, len(d.cur.buf))
	d.next++
	if len(d.cur.ends) == rowBatchLen {
		d.work <- d.cur
		d.cur = nil
	}
	return nil
}

// wait hands over the last batch, waits for the goroutine to finish and
// returns the first bad record's error. It may be called more than once,
// and must be, at least once, on every path.
func (d *rowDecoder) wait() error {
	d.stop.Do(func() {
		if d.cur != nil && len(d.cur.ends) > 0 {
			d.work <- d.cur
		}
		d.cur = nil
		close(d.work)
	})
	<-d.done
	return d.err
}

func (d *rowDecoder) run() {
	defer close(d.done)
	for b := range d.work {
		if d.err == nil {
			start := 0
			for i, end := range b.ends {
				row := b.row0 + i
				h, v, err := decodeRecordInto(b.buf[start:end], d.rows[row*d.dims:(row+1)*d.dims:(row+1)*d.dims])
				start = end
				if err == nil {
					if _, dup := d.vectors[h]; dup {
						err = fmt.Errorf("vector %s twice", h)
					}
				}
				if err != nil {
					d.err = err
					d.failed.Store(true)
					break
				}
				d.vectors[h] = v
			}
		}
		d.free <- b
	}
}
