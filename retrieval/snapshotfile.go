package retrieval

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"

	"github.com/situationbot/bot/internal/atomicfile"
)

// The snapshot file, format v3, is read as a stream: a header, then framed
// records, then a SHA-256 trailer, so that loading never holds the file in
// memory besides what it decodes.
//
// Layout: snapshotMagic, then frames, each a 4-byte little-endian payload
// length and the payload, whose first byte is its kind:
//
//   - 'H', the header, first: the embedder (as in the journal: kind, model
//     and dimensions separated by NUL bytes), the split options (MaxChars,
//     OverlapChars), the version of Split's rules, and the numbers of
//     vector and article records to come, as uvarint-prefixed strings and
//     uvarints;
//   - 'V', a vector: a 1-byte length, that many bytes of Chunk.Hash, then
//     the vector as little-endian float32s; the vectors of the chunks
//     served come first, in chunk order (see Index.build);
//   - 'A', an article: its ID and hash, then a 1 if its chunks follow (0 if
//     not: the next Sync splits it), their number, the CRC-32C of the body
//     they were cut from, and for each chunk where its text is (the length in bytes of the span of the article's
//     body that it is, and the span's offset; or 0 and the text itself)
//     and its Chunk.Hash;
//   - 'E', the end, last.
//
// Then the 32-byte SHA-256 of everything before it, and the end of the file.
// Nothing decoded is used until the trailer has been checked. Format v2 is
// the same but for the chunks, each its text and hash; it is still read.
const snapshotMagic = "situationbot-embeddings-v3\n"

// snapshotMagicV2 starts the snapshots of format v2 (see snapshotMagic).
const snapshotMagicV2 = "situationbot-embeddings-v2\n"

// snapshotMagicV1 starts the snapshots of format v1: one gob of the whole
// snapshot, without chunks. They are still read (the vectors are kept) and
// rewritten in the current format by the next Sync.
const snapshotMagicV1 = "situationbot-embeddings-v1\n"

// errSnapshotV1 is wrapped by readSnapshot's error when it read a snapshot
// of format v1: the vectors and article hashes are good, but the chunks are
// missing.
var errSnapshotV1 = errors.New("snapshot of format v1")

const (
	recHeader  = 'H'
	recVector  = 'V'
	recArticle = 'A'
	recEnd     = 'E'
)

// readSnapshot loads the snapshot at path, streaming. A missing file
// returns os.ErrNotExist; a damaged one, one of another identity, or one
// holding a vector of the wrong length or with NaN or infinite components,
// returns an error wrapping ErrCorruptSnapshot. A snapshot of format v1 is
// returned with no chunks and an error wrapping errSnapshotV1.
func readSnapshot(path string, want Identity) (*snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	magic, err := br.Peek(len(snapshotMagic))
	switch {
	case err == nil && string(magic) == snapshotMagicV1:
		return readSnapshotV1(path, br, want)
	case err != nil || string(magic) != snapshotMagic && string(magic) != snapshotMagicV2:
		return nil, fmt.Errorf("%w: %s: bad header", ErrCorruptSnapshot, path)
	}
	// Hash exactly the bytes consumed before the trailer.
	h := sha256.New()
	sr := &snapshotReader{r: io.TeeReader(br, h), left: info.Size() - sha256.Size, v2: string(magic) == snapshotMagicV2}
	s, err := sr.read(want)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorruptSnapshot, path, err)
	}
	s.Older = sr.v2
	var trailer [sha256.Size + 1]byte
	if n, _ := io.ReadFull(br, trailer[:]); n != sha256.Size || !bytes.Equal(trailer[:sha256.Size], h.Sum(nil)) {
		return nil, fmt.Errorf("%w: %s: checksum mismatch", ErrCorruptSnapshot, path)
	}
	return s, nil
}

// snapshotReader decodes the frames of a v3 or v2 snapshot.
type snapshotReader struct {
	r    io.Reader
	left int64  // bytes before the trailer not read yet
	buf  []byte // the last frame's payload, reused
	v2   bool   // chunks are texts, not spans
}

// frame reads the next frame's payload, which is valid until the next call.
func (sr *snapshotReader) frame() ([]byte, error) {
	var hdr [4]byte
	if sr.left < int64(len(hdr)) {
		return nil, io.ErrUnexpectedEOF
	}
	if _, err := io.ReadFull(sr.r, hdr[:]); err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	n := int64(binary.LittleEndian.Uint32(hdr[:]))
	sr.left -= int64(len(hdr))
	if n == 0 || n > sr.left {
		return nil, fmt.Errorf("frame of %d bytes with %d left", n, sr.left)
	}
	if int64(cap(sr.buf)) < n {
		sr.buf = make([]byte, n)
	}
	p := sr.buf[:n]
	if _, err := io.ReadFull(sr.r, p); err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	sr.left -= n
	return p, nil
}

func (sr *snapshotReader) read(want Identity) (*snapshot, error) {
	if _, err := io.ReadFull(sr.r, make([]byte, len(snapshotMagic))); err != nil {
		return nil, err
	}
	sr.left -= int64(len(snapshotMagic))
	p, err := sr.frame()
	if err != nil || p[0] != recHeader {
		return nil, fmt.Errorf("no header record (%v)", err)
	}
	d := decoder{p: p[1:]}
	id := d.str()
	s := &snapshot{Identity: want}
	s.Split.MaxChars, s.Split.OverlapChars = int(d.uvarint()), int(d.uvarint())
	s.SplitVersion = int(d.uvarint())
	nVec, nArt := d.uvarint(), d.uvarint()
	if d.err != nil {
		return nil, fmt.Errorf("header: %v", d.err)
	}
	if id != identityRecord(want) {
		return nil, fmt.Errorf("embedder %q, want %s", id, want)
	}
	// Size the maps and the rows from the counts, but never beyond what
	// the file can hold.
	if nVec > uint64(sr.left)/uint64(4*want.Dims+6) {
		return nil, fmt.Errorf("%d vectors of %d dimensions cannot fit in %d bytes", nVec, want.Dims, sr.left)
	}
	s.Vectors = make(map[string][]float32, nVec)
	s.Rows = make([]float32, int(nVec)*want.Dims)
	adviseHuge(s.Rows)
	rows := newRowDecoder(want.Dims, s.Rows, s.Vectors)
	defer rows.wait()
	s.Articles = make(map[string]string, min(nArt, uint64(sr.left)/8))
	s.Chunks = make(map[string]articleChunks, min(nArt, uint64(sr.left)/8))
	for {
		p, err := sr.frame()
		if err != nil {
			return nil, err
		}
		switch p[0] {
		case recVector:
			if err := rows.add(p[1:]); err != nil {
				return nil, err
			}
		case recArticle:
			if err := s.decodeArticle(p[1:], sr.v2); err != nil {
				return nil, err
			}
		case recEnd:
			if err := rows.wait(); err != nil {
				return nil, err
			}
			if uint64(len(s.Vectors)) != nVec || uint64(len(s.Articles)) != nArt {
				return nil, fmt.Errorf("%d vectors and %d articles, header says %d and %d", len(s.Vectors), len(s.Articles), nVec, nArt)
			}
			if sr.left != 0 {
				return nil, fmt.Errorf("%d bytes after the end record", sr.left)
			}
			return s, nil
		default:
			return nil, fmt.Errorf("record of unknown kind %q", p[0])
		}
	}
}

// decodeArticle adds the article record p (without its kind) to s; v2
// says it is of format v2.
func (s *snapshot) decodeArticle(p []byte, v2 bool) error {
	d := decoder{p: p}
	id, hash := d.str(), d.str()
	if d.byte() == 1 {
		n := d.uvarint()
		if n > uint64(len(p)) {
			return fmt.Errorf("article %s: %d chunks in %d bytes", id, n, len(p))
		}
		ac := articleChunks{Hash: hash, Hashes: make([]string, n)}
		if !v2 {
			ac.Spans = make([]span, n)
			ac.BodySum = uint32(d.uvarint())
		}
		for i := range ac.Hashes {
			size := uint64(0)
			if !v2 {
				size = d.uvarint()
			}
			switch {
			case size == 0:
				ac.setText(i, d.str())
			case size > math.MaxUint32:
				d.err = fmt.Errorf("span of %d bytes", size)
			default:
				off := d.uvarint()
				if off > math.MaxUint32-size {
					d.err = fmt.Errorf("span of %d bytes at %d", size, off)
				}
				if d.err == nil {
					ac.Spans[i] = span{off: uint32(off), n: uint32(size)}
				}
			}
			ac.Hashes[i] = d.str()
		}
		s.Chunks[id] = ac
	}
	if d.err == nil && len(d.p) > 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return fmt.Errorf("article %s: %v", id, d.err)
	}
	if _, dup := s.Articles[id]; dup {
		return fmt.Errorf("article %s twice", id)
	}
	s.Articles[id] = hash
	return nil
}

// writeSnapshot writes s to path atomically (see internal/atomicfile): a
// crash leaves either the old snapshot or the new one, never a mix. The
// vectors of s.Order come first, in its order, then the others sorted;
// articles are sorted: the same state gives the same bytes.
func writeSnapshot(path string, s *snapshot) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		h := sha256.New()
		mw := io.MultiWriter(w, h)
		if _, err := io.WriteString(mw, snapshotMagic); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
		var p, buf []byte
		put := func() error {
			buf = binary.LittleEndian.AppendUint32(buf[:0], uint32(len(p)))
			buf = append(buf, p...)
			if _, err := mw.Write(buf); err != nil {
				return fmt.Errorf("write snapshot: %w", err)
			}
			return nil
		}
		p = append(p[:0], recHeader)
		p = appendStr(p, identityRecord(s.Identity))
		p = binary.AppendUvarint(p, uint64(s.Split.MaxChars))
		p = binary.AppendUvarint(p, uint64(s.Split.OverlapChars))
		p = binary.AppendUvarint(p, splitVersion)
		p = binary.AppendUvarint(p, uint64(len(s.Vectors)))
		p = binary.AppendUvarint(p, uint64(len(s.Articles)))
		if err := put(); err != nil {
			return err
		}
		for _, hash := range vectorOrder(s) {
			if len(hash) > 255 {
				return fmt.Errorf("write snapshot: hash %q too long", hash)
			}
			p = append(p[:0], recVector, byte(len(hash)))
			p = append(p, hash...)
			for _, x := range s.Vectors[hash] {
				p = binary.LittleEndian.AppendUint32(p, math.Float32bits(x))
			}
			if err := put(); err != nil {
				return err
			}
		}
		for _, id := range slices.Sorted(maps.Keys(s.Articles)) {
			hash := s.Articles[id]
			p = append(p[:0], recArticle)
			p = appendStr(p, id)
			p = appendStr(p, hash)
			if ac, ok := s.Chunks[id]; ok && ac.Hash == hash {
				p = append(p, 1)
				p = binary.AppendUvarint(p, uint64(len(ac.Hashes)))
				p = binary.AppendUvarint(p, uint64(ac.BodySum))
				for i := range ac.Hashes {
					if sp := ac.span(i); sp.n > 0 {
						p = binary.AppendUvarint(p, uint64(sp.n))
						p = binary.AppendUvarint(p, uint64(sp.off))
					} else {
						p = append(p, 0)
						p = appendStr(p, ac.text(i))
					}
					p = appendStr(p, ac.Hashes[i])
				}
			} else {
				p = append(p, 0)
			}
			if err := put(); err != nil {
				return err
			}
		}
		p = append(p[:0], recEnd)
		if err := put(); err != nil {
			return err
		}
		if _, err := w.Write(h.Sum(nil)); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
		return nil
	})
}

// snapshotV1 is the gob of a format v1 snapshot.
type snapshotV1 struct {
	Identity Identity
	Articles map[string]string
	Vectors  map[string][]float32
}

// readSnapshotV1 reads the v1 snapshot at path from r, whole, as v1 did.
// It runs once, before the next Sync rewrites the snapshot in the current format.
func readSnapshotV1(path string, r io.Reader, want Identity) (*snapshot, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if len(data) < len(snapshotMagicV1)+sha256.Size {
		return nil, fmt.Errorf("%w: %s: bad header", ErrCorruptSnapshot, path)
	}
	body := data[len(snapshotMagicV1) : len(data)-sha256.Size]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], data[len(data)-sha256.Size:]) {
		return nil, fmt.Errorf("%w: %s: checksum mismatch", ErrCorruptSnapshot, path)
	}
	var old snapshotV1
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&old); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorruptSnapshot, path, err)
	}
	if old.Identity != want {
		return nil, fmt.Errorf("%w: %s: embedder %s, want %s", ErrCorruptSnapshot, path, old.Identity, want)
	}
	for h, v := range old.Vectors {
		if len(v) != want.Dims || !finite(v) {
			return nil, fmt.Errorf("%w: %s: vector %s is not finite (NaN or infinity) or not of %d dimensions", ErrCorruptSnapshot, path, h, want.Dims)
		}
	}
	s := &snapshot{Identity: old.Identity, Articles: old.Articles, Vectors: old.Vectors, Chunks: map[string]articleChunks{}}
	return s, fmt.Errorf("%s: %w", path, errSnapshotV1)
}
