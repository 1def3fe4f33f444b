package retrieval

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/situationbot/bot/internal/atomicfile"
)

// The embedding journal is the checkpoint of a Sync in progress. It lives
// beside the snapshot (<snapshot>.journal) and holds the vectors embedded
// since the snapshot was last written, appended batch by batch as they
// arrive, so that a process killed during a long embedding loses no batch
// it had received and the next run embeds only the rest. A Sync that ends
// by writing the snapshot removes it.
//
// Layout: journalMagic, then frames. A frame is a 4-byte payload length and
// the 4-byte CRC-32C of the payload (both little-endian), then the payload.
// The first frame names the embedder (kind, model and dimensions, separated
// by NUL bytes); each later one is a record: a 1-byte length, that many
// bytes of Chunk.Hash, then the vector as little-endian float32s. Reading
// stops at the first frame that is torn (cut short by a crash) or damaged;
// the records before it are kept. Appends rewrite nothing: the cost of a
// Sync stays linear in what it embeds.
const journalMagic = "situationbot-journal-v1\n"

// frameHeader is the length of a frame's length and checksum.
const frameHeader = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorruptJournal means a journal exists but its header cannot be
// trusted, or belongs to another embedder: none of it is used.
var ErrCorruptJournal = errors.New("corrupt embedding journal")

// journalPath names the journal of the snapshot at snap.
func journalPath(snap string) string { return snap + ".journal" }

// journal appends records to the journal file of one embedder identity.
// Its zero length means there is no valid journal on disk: the next append
// starts a new one.
type journal struct {
	path string
	id   Identity
	size int64 // bytes of valid journal on disk
}

// journalRead is what reading a journal gave.
type journalRead struct {
	vectors map[string][]float32 // Chunk.Hash → vector
	records int                  // good records, duplicates included
	tail    error                // non-nil when reading stopped at a torn or damaged frame
}

// read loads the journal's records and sets j.size to the length of its
// valid part. A missing file returns fs.ErrNotExist; a bad header or another
// identity returns an error wrapping ErrCorruptJournal.
func (j *journal) read() (journalRead, error) {
	j.size = 0
	out := journalRead{vectors: map[string][]float32{}}
	f, err := os.Open(j.path)
	if err != nil {
		return out, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	magic := make([]byte, len(journalMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != journalMagic {
		return out, fmt.Errorf("%w: %s: bad header", ErrCorruptJournal, j.path)
	}
	maxLen := 1 + 255 + 4*j.id.Dims
	id, err := readFrame(r, maxLen)
	if err != nil {
		return out, fmt.Errorf("%w: %s: header: %v", ErrCorruptJournal, j.path, err)
	}
	if got := string(id); got != identityRecord(j.id) {
		return out, fmt.Errorf("%w: %s: embedder %q, want %s", ErrCorruptJournal, j.path, strings.ReplaceAll(got, "\x00", "/"), j.id)
	}
	size := int64(len(journalMagic) + frameHeader + len(id))
	for {
		p, err := readFrame(r, maxLen)
		if err == io.EOF {
			break
		}
		if err == nil {
			var h string
			var v []float32
			if h, v, err = decodeRecord(p, j.id.Dims); err == nil {
				out.vectors[h] = v
				out.records++
				size += int64(frameHeader + len(p))
				continue
			}
		}
		out.tail = fmt.Errorf("record %d at byte %d: %w", out.records+1, size, err)
		break
	}
	j.size = size
	return out, nil
}

// errTorn means the journal ends inside a frame: a write cut short.
var errTorn = errors.New("torn frame")

// readFrame reads one frame's payload. It returns io.EOF at a clean end.
func readFrame(r io.Reader, maxLen int) ([]byte, error) {
	var hdr [frameHeader]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, errTorn
	}
	n := binary.LittleEndian.Uint32(hdr[:4])
	if n > uint32(maxLen) {
		return nil, fmt.Errorf("frame of %d bytes, at most %d expected", n, maxLen)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return nil, errTorn
	}
	if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(hdr[4:]) {
		return nil, errors.New("checksum mismatch")
	}
	return p, nil
}

// decodeRecord reads a record payload of a vector of dims finite floats.
func decodeRecord(p []byte, dims int) (string, []float32, error) {
	return decodeRecordInto(p, make([]float32, dims))
}

// decodeRecordInto is decodeRecord into dst, which it returns as the
// vector: a vector of len(dst) dimensions.
func decodeRecordInto(p []byte, dst []float32) (string, []float32, error) {
	if len(p) < 1 || len(p) < 1+int(p[0]) {
		return "", nil, errors.New("short record")
	}
	h := string(p[1 : 1+p[0]])
	raw := p[1+int(p[0]):]
	if len(raw) != 4*len(dst) {
		return "", nil, fmt.Errorf("vector of %d bytes, want %d dimensions", len(raw), len(dst))
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	if !finite(dst) {
		return "", nil, fmt.Errorf("vector %s is not finite", h)
	}
	return h, dst, nil
}

func identityRecord(id Identity) string {
	return id.Kind + "\x00" + id.Model + "\x00" + strconv.Itoa(id.Dims)
}

// appendFrame appends a frame holding p to buf.
func appendFrame(buf []byte, p []byte) []byte {
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(p)))
	buf = binary.LittleEndian.AppendUint32(buf, crc32.Checksum(p, castagnoli))
	return append(buf, p...)
}

// append writes one record per vector after the journal's valid part (a
// torn tail is overwritten; a new journal gets its header first) and
// fsyncs the file, so that the records survive a crash of the process or
// of the machine. It costs about 1.5 ms a batch on this project's test
// machine: 0.25 s of a 4 s sync of 10,000 chunks by the local embedder. On
// error the journal on disk is cut back to its valid part when possible.
func (j *journal) append(hashes []string, vecs [][]float32) (err error) {
	size := 0
	for i, h := range hashes {
		size += 5 + len(h) + 4*len(vecs[i])
	}
	buf := make([]byte, 0, size+len(journalMagic)+64)
	if j.size == 0 {
		buf = append(buf, journalMagic...)
		buf = appendFrame(buf, []byte(identityRecord(j.id)))
	}
	var p []byte
	for i, h := range hashes {
		if len(h) > 255 {
			return fmt.Errorf("append to embedding journal: hash %q too long", h)
		}
		p = append(p[:0], byte(len(h)))
		p = append(p, h...)
		for _, x := range vecs[i] {
			p = binary.LittleEndian.AppendUint32(p, math.Float32bits(x))
		}
		buf = appendFrame(buf, p)
	}
	if j.size == 0 {
		if err := os.MkdirAll(filepath.Dir(j.path), 0o755); err != nil {
			return fmt.Errorf("create embedding journal: %w", err)
		}
	}
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open embedding journal: %w", err)
	}
	defer func() {
		if err != nil && j.size == 0 {
			os.Remove(j.path) // best effort: no journal rather than a torn header
		} else if err != nil {
			f.Truncate(j.size) // best effort: drop a partial write
		}
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close embedding journal: %w", cerr)
		}
	}()
	if err := f.Truncate(j.size); err != nil {
		return fmt.Errorf("truncate embedding journal: %w", err)
	}
	if _, err := f.WriteAt(buf, j.size); err != nil {
		return fmt.Errorf("append to embedding journal: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync embedding journal: %w", err)
	}
	if j.size == 0 {
		atomicfile.SyncDir(filepath.Dir(j.path)) // make the new file's name durable
	}
	j.size += int64(len(buf))
	return nil
}

// remove deletes the journal, once the snapshot holds all it had.
func (j *journal) remove() error {
	j.size = 0
	if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// finite reports whether every component of v is a number (no NaN, no
// infinity).
func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}
