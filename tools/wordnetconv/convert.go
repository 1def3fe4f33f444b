package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// The wordnet.txt.gz format, as lexicon.Load reads it (see lexicon/wordnet.go).
// The converter does not import lexicon, which embeds the files the
// converters write.
const (
	header = "wordnet-lexicon 1" // lexicon.WordNetHeader
	senses = 3                   // lexicon.WordNetSenses
)

// posFiles names WordNet's files for each part of speech, in the order of
// the asset's sections, with the tag the asset uses.
var posFiles = []struct{ name, tag string }{
	{"noun", "n"}, {"verb", "v"}, {"adj", "a"}, {"adv", "r"},
}

// Stats describes what Convert wrote.
type Stats struct {
	Lemmas, Synsets int
	Bytes           int64
}

// lemma is one line of an index file.
type lemma struct {
	word    string
	offsets []string // its synsets, in WordNet's sense order
}

// synset identifies a synset: its part of speech and its offset in data.pos.
type synset struct {
	pos    int
	offset string
}

// members are the lemmas of one synset.
type members struct {
	lower []string // distinct, lower-cased
	raw   []string // as WordNet spells them ("Kyd", "kid")
}

// Convert reads WordNet's database files from fsys and writes to w the
// gzipped text that lexicon.Load reads.
//
// For each lemma it keeps the first three senses in WordNet's order, except
// that when WordNet spells the lemma in lower case in some synsets, it skips
// those where the lemma is capitalised: the senses of "kid" are those of
// the common noun, not "Kid" (Thomas Kyd), while "syria" keeps "Syria".
func Convert(w io.Writer, fsys fs.FS) (Stats, error) {
	var (
		exc    [4][]string // lines "form base..."
		lemmas [4][]lemma
		sets   = make(map[synset]members)
	)
	for p, f := range posFiles {
		var err error
		if exc[p], err = readExceptions(fsys, f.name+".exc"); err != nil {
			return Stats{}, err
		}
		if lemmas[p], err = readIndex(fsys, "index."+f.name); err != nil {
			return Stats{}, err
		}
		if err := readData(fsys, "data."+f.name, func(offset string, m members) {
			sets[synset{p, offset}] = m
		}); err != nil {
			return Stats{}, err
		}
	}
	// The first senses of each lemma, by part of speech and lemma.
	first := make([]map[string][]synset, len(posFiles))
	used := make(map[synset]bool)
	for p := range posFiles {
		first[p] = make(map[string][]synset)
		for _, l := range lemmas[p] {
			var common, all []synset
			for _, o := range l.offsets {
				k := synset{p, o}
				m, ok := sets[k]
				if !ok {
					return Stats{}, fmt.Errorf("index.%s: %q: no synset %s in data.%[1]s", posFiles[p].name, l.word, o)
				}
				all = append(all, k)
				if slices.Contains(m.raw, l.word) {
					common = append(common, k)
				}
			}
			if len(common) == 0 {
				common = all
			}
			for _, k := range common[:min(senses, len(common))] {
				if len(sets[k].lower) >= 2 {
					first[p][l.word] = append(first[p][l.word], k)
					used[k] = true
				}
			}
		}
	}
	keys := make([]synset, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b synset) int {
		if a.pos != b.pos {
			return a.pos - b.pos
		}
		return strings.Compare(a.offset, b.offset)
	})
	id := make(map[synset]int, len(keys))
	for i, k := range keys {
		id[k] = i
	}

	// One line per lemma: its parts of speech in order, each with its
	// number of senses and its synsets.
	fields := make(map[string][]string)
	nIDs := 0
	for p, f := range posFiles {
		for _, l := range lemmas[p] {
			fields[l.word] = append(fields[l.word], f.tag+strconv.Itoa(len(l.offsets)))
			for _, k := range first[p][l.word] {
				fields[l.word] = append(fields[l.word], strconv.Itoa(id[k]))
				nIDs++
			}
		}
	}
	words := make([]string, 0, len(fields))
	for w := range fields {
		words = append(words, w)
	}
	slices.Sort(words)

	var body strings.Builder
	for p, f := range posFiles {
		fmt.Fprintf(&body, "@exc %s\n", f.tag)
		for _, line := range exc[p] {
			body.WriteString(line + "\n")
		}
	}
	body.WriteString("@synsets\n")
	nMembers := 0
	for _, k := range keys {
		body.WriteString(strings.Join(sets[k].lower, " ") + "\n")
		nMembers += len(sets[k].lower)
	}
	body.WriteString("@lemmas\n")
	for _, w := range words {
		body.WriteString(w + " " + strings.Join(fields[w], " ") + "\n")
	}

	cw := &countWriter{w: w}
	zw, err := gzip.NewWriterLevel(cw, gzip.BestCompression)
	if err != nil {
		return Stats{}, err
	}
	// The zero Header: no name, no modification time, so the bytes depend
	// on the input alone.
	fmt.Fprintf(zw, "%s %d %d %d %d\n", header, len(words), len(keys), nMembers, nIDs)
	if _, err := io.WriteString(zw, body.String()); err != nil {
		return Stats{}, err
	}
	if err := zw.Close(); err != nil {
		return Stats{}, err
	}
	return Stats{Lemmas: len(words), Synsets: len(keys), Bytes: cw.n}, nil
}

// readExceptions reads an exception list (noun.exc, …): lines of an
// inflected form and its base forms. It returns the lines lower-cased,
// single-spaced, sorted, with the bases of a repeated form merged.
func readExceptions(fsys fs.FS, name string) ([]string, error) {
	bases := make(map[string][]string)
	err := eachLine(fsys, name, func(line string) error {
		f := strings.Fields(strings.ToLower(line))
		if len(f) == 0 {
			return nil
		}
		if len(f) < 2 {
			return fmt.Errorf("no base form in %q", line)
		}
		for _, b := range f[1:] {
			if !slices.Contains(bases[f[0]], b) {
				bases[f[0]] = append(bases[f[0]], b)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	lines := make([]string, 0, len(bases))
	for form, b := range bases {
		lines = append(lines, form+" "+strings.Join(b, " "))
	}
	slices.Sort(lines)
	return lines, nil
}

// readIndex reads an index file (index.noun, …), whose lines are
//
//	lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
//
// with the synsets in WordNet's sense order, most frequent first. It
// returns the lemmas sorted, lower-cased.
func readIndex(fsys fs.FS, name string) ([]lemma, error) {
	var out []lemma
	err := eachLine(fsys, name, func(line string) error {
		if line == "" || line[0] == ' ' { // the licence
			return nil
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			return fmt.Errorf("short line %.40q", line)
		}
		n, err1 := strconv.Atoi(f[2])
		ptrs, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil || n < 1 || ptrs < 0 || len(f) != 4+ptrs+2+n {
			return fmt.Errorf("bad line %.40q", line)
		}
		out = append(out, lemma{word: strings.ToLower(f[0]), offsets: f[len(f)-n:]})
		return nil
	})
	slices.SortFunc(out, func(a, b lemma) int { return strings.Compare(a.word, b.word) })
	for i := 1; i < len(out); i++ {
		if out[i].word == out[i-1].word {
			return nil, fmt.Errorf("%s: lemma %q twice", name, out[i].word)
		}
	}
	return out, err
}

// readData reads a data file (data.noun, …), whose lines are
//
//	synset_offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] p_cnt ...
//
// with w_cnt in hexadecimal, and calls found with the lemmas of each
// synset. It strips the syntactic markers of adjectives: "galore(ip)" is
// "galore".
func readData(fsys fs.FS, name string, found func(offset string, m members)) error {
	return eachLine(fsys, name, func(line string) error {
		if line == "" || line[0] == ' ' { // the licence
			return nil
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			return fmt.Errorf("short line %.40q", line)
		}
		n, err := strconv.ParseUint(f[3], 16, 8)
		if err != nil || n < 1 || len(f) < 4+2*int(n) {
			return fmt.Errorf("bad line %.40q", line)
		}
		var m members
		for i := range int(n) {
			w := f[4+2*i]
			if j := strings.IndexByte(w, '('); j > 0 && strings.HasSuffix(w, ")") {
				w = w[:j]
			}
			m.raw = append(m.raw, w)
			if lw := strings.ToLower(w); !slices.Contains(m.lower, lw) {
				m.lower = append(m.lower, lw)
			}
		}
		found(f[0], m)
		return nil
	})
}

// eachLine calls fn with each line of the file name in fsys.
func eachLine(fsys fs.FS, name string, fn func(line string) error) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		if err := fn(sc.Text()); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

// Write writes p to the underlying writer and counts it.
func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
