// Command wordnetconv writes lexicon/wordnet.txt.gz from a WordNet 3.0
// database directory (Debian's wordnet-base installs one at
// /usr/share/wordnet): the exception lists of morphy, every lemma with its
// number of senses per part of speech, and the synsets of each lemma's first
// three senses that have at least two lemmas. The same input always gives
// the same bytes.
//
// Usage:
//
//	wordnetconv -dir /usr/share/wordnet -out wordnet.txt.gz
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/situationbot/bot/internal/atomicfile"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wordnetconv:", err)
		os.Exit(1)
	}
}

// run parses the flags, converts and reports what it wrote.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wordnetconv", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "/usr/share/wordnet", "the WordNet database directory (index.noun, data.noun, noun.exc, …)")
	out := fs.String("out", "wordnet.txt.gz", "the file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errors.New("unexpected arguments")
	}
	var st Stats
	err := atomicfile.Write(*out, func(w io.Writer) (err error) {
		st, err = Convert(w, os.DirFS(*dir))
		return err
	})
	if err != nil {
		return err
	}
	if err := os.Chmod(*out, 0o644); err != nil { // atomicfile leaves 0600
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d lemmas, %d synsets, %d bytes\n", *out, st.Lemmas, st.Synsets, st.Bytes)
	return nil
}
