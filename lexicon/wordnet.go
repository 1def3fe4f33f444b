package lexicon

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The WordNet asset, wordnet.txt.gz, is gzipped UTF-8 text, one record a
// line, fields separated by single spaces, '_' for the spaces of multiword
// lemmas, everything lower-case:
//
//	wordnet-lexicon 1 LEMMAS SYNSETS MEMBERS IDS
//	@exc n                          then @exc v, @exc a, @exc r
//	FORM BASE [BASE...]             morphy's exception list, sorted by FORM
//	@synsets
//	LEMMA LEMMA [LEMMA...]          synset k is the k-th line (0-based)
//	@lemmas
//	LEMMA POS [ID...] [POS [ID...]...]
//
// The header counts the lemma lines, the synset lines, the lemmas of all
// synsets and the IDs of all lemma lines. Lemma lines are sorted by LEMMA,
// one per lemma. A POS field is a part-of-speech tag (n, v, a, r, in that
// order) followed by WordNet's number of senses of the lemma in that part of
// speech ("n5"); the IDs after it name the synsets, among the lemma's first
// WordNetSenses senses of that part of speech, that have at least two
// lemmas. Senses where WordNet capitalises the lemma ("Kid", the poet) do
// not count when it has senses in lower case.
const (
	// WordNetHeader opens the text of wordnet.txt.gz, followed by the counts.
	WordNetHeader = "wordnet-lexicon 1"
	// WordNetSenses is how many of a lemma's senses per part of speech are
	// kept for Synonyms.
	WordNetSenses = 3
)

// pos is a WordNet part of speech.
type pos int

const (
	noun pos = iota
	verb
	adj
	adv
	numPOS
)

// posTags holds the tags of the parts of speech in the WordNet asset, in
// their order: noun, verb, adjective, adverb.
const posTags = "nvar"

// entry is what the Lexicon knows of one WordNet lemma. The lemmas and the
// members of synsets are offsets into the decompressed text, which the
// Lexicon keeps, so that decoding allocates little.
type entry struct {
	senses [numPOS]uint8 // sense count per part of speech (at most 255); 0 when not a lemma of it
	syn    int32         // its synsets, across parts of speech, are ids[syn:syn+nsyn]
	key    uint32        // the lemma is text[key:key+keyLen]
	nsyn   uint8
	keyLen uint8
}

// is reports whether the entry is a lemma of part of speech p.
func (e entry) is(p pos) bool {
	return e.senses[p] > 0
}

// lookup returns the entry of lemma w, by binary search.
func (l *Lexicon) lookup(w string) (entry, bool) {
	i, ok := slices.BinarySearchFunc(l.lemmas, w, func(e entry, w string) int {
		return strings.Compare(l.text[e.key:e.key+uint32(e.keyLen)], w)
	})
	if !ok {
		return entry{}, false
	}
	return l.lemmas[i], true
}

// entry returns the entry of lemma w, or the zero entry.
func (l *Lexicon) entry(w string) entry {
	e, _ := l.lookup(w)
	return e
}

// member returns the synset member that starts at text[off].
func (l *Lexicon) member(off uint32) string {
	m := l.text[off:]
	if end := strings.IndexAny(m, " \n"); end >= 0 {
		m = m[:end]
	}
	return m
}

// section is a section of the WordNet text, without its "@" line.
type section struct {
	off  int // where body starts in the text
	body string
}

// loadWordNet decodes wordnet.txt.gz into l.
func (l *Lexicon) loadWordNet(gz []byte) error {
	text, err := gunzip(gz)
	if err != nil {
		return err
	}
	if len(text) >= math.MaxUint32 {
		return errors.New("text too long")
	}
	head, _, _ := strings.Cut(text, "\n")
	var counts [4]int // lemmas, synsets, members, ids
	f := strings.Fields(strings.TrimPrefix(head, WordNetHeader))
	if !strings.HasPrefix(head, WordNetHeader+" ") || len(f) != len(counts) {
		return fmt.Errorf("bad header %.40q", head)
	}
	for i, s := range f {
		if counts[i], err = strconv.Atoi(s); err != nil || counts[i] < 0 || counts[i] > len(text) {
			return fmt.Errorf("bad header %.40q", head)
		}
	}
	var sec [numPOS + 2]section // the exception lists, synsets, lemmas
	at := len(head) + 1
	for i := range sec {
		want := "@lemmas"
		switch {
		case i < int(numPOS):
			want = "@exc " + posTags[i:i+1]
		case i == int(numPOS):
			want = "@synsets"
		}
		h, rest, _ := strings.Cut(text[min(at, len(text)):], "\n")
		if h != want {
			return fmt.Errorf("section %d is %.20q, want %s", i, h, want)
		}
		at += len(h) + 1
		n := len(rest) // the body's length
		if strings.HasPrefix(rest, "@") {
			n = 0
		} else if end := strings.Index(rest, "\n@"); end >= 0 {
			n = end + 1
		}
		sec[i] = section{at, rest[:n]}
		at += n
	}
	if at < len(text) {
		return fmt.Errorf("unexpected %.20q after the sections", text[at:])
	}
	l.text = text
	for p := range numPOS {
		if l.exc[p], err = parseExceptions(sec[p].body); err != nil {
			return fmt.Errorf("@exc %s: %w", posTags[p:p+1], err)
		}
	}
	if err := l.parseSynsets(sec[numPOS], counts[1], counts[2]); err != nil {
		return fmt.Errorf("@synsets: %w", err)
	}
	if err := l.parseLemmas(sec[numPOS+1], counts[0], counts[3]); err != nil {
		return fmt.Errorf("@lemmas: %w", err)
	}
	return nil
}

// parseExceptions decodes the lines "FORM BASE [BASE...]" of an @exc section.
func parseExceptions(body string) (map[string][]string, error) {
	exc := make(map[string][]string, strings.Count(body, "\n"))
	for line := range strings.Lines(body) {
		f := strings.Split(strings.TrimSuffix(line, "\n"), " ")
		if len(f) < 2 || slices.Contains(f, "") {
			return nil, fmt.Errorf("bad line %.40q", line)
		}
		exc[f[0]] = f[1:]
	}
	return exc, nil
}

// parseSynsets decodes the @synsets section, which has n lines and m
// lemmas in all.
func (l *Lexicon) parseSynsets(s section, n, m int) error {
	l.synsets = make([]int32, 1, n+1)
	l.members = make([]uint32, 0, m)
	at := s.off
	for line := range strings.Lines(s.body) {
		for w := range strings.SplitSeq(strings.TrimSuffix(line, "\n"), " ") {
			if w == "" || len(l.members) == cap(l.members) {
				return fmt.Errorf("bad line %.40q", line)
			}
			l.members = append(l.members, uint32(at))
			at += len(w) + 1
		}
		if len(l.members)-int(l.synsets[len(l.synsets)-1]) < 2 || len(l.synsets) == cap(l.synsets) {
			return fmt.Errorf("bad line %.40q", line)
		}
		l.synsets = append(l.synsets, int32(len(l.members)))
	}
	if len(l.synsets)-1 != n || len(l.members) != m {
		return errors.New("counts disagree with header")
	}
	return nil
}

// parseLemmas decodes the @lemmas section, which has n lines and nIDs
// synset IDs in all, after the synsets.
func (l *Lexicon) parseLemmas(s section, n, nIDs int) error {
	l.lemmas = make([]entry, 0, n)
	l.ids = make([]int32, 0, nIDs)
	var hyphenated []string
	prev, at := "", s.off
	for line := range strings.Lines(s.body) {
		e := entry{syn: int32(len(l.ids)), key: uint32(at)}
		at += len(line)
		line = strings.TrimSuffix(line, "\n")
		w, rest, _ := strings.Cut(line, " ")
		if w <= prev || rest == "" || len(w) > math.MaxUint8 {
			return fmt.Errorf("bad line or order at %.40q", line)
		}
		prev, e.keyLen = w, uint8(len(w))
		p, senses := pos(-1), 0 // the current part of speech; how many IDs it has
		for f := range strings.SplitSeq(rest, " ") {
			if f == "" {
				return fmt.Errorf("bad line %.40q", line)
			}
			if '0' <= f[0] && f[0] <= '9' {
				id, err := strconv.Atoi(f)
				if senses++; err != nil || p < 0 || senses > WordNetSenses || id >= len(l.synsets)-1 || len(l.ids) == cap(l.ids) {
					return fmt.Errorf("bad synset in %.40q", line)
				}
				l.ids = append(l.ids, int32(id))
				continue
			}
			q := pos(strings.IndexByte(posTags, f[0]))
			count, err := strconv.Atoi(f[1:])
			if q <= p || err != nil || count < 1 {
				return fmt.Errorf("bad part of speech in %.40q", line)
			}
			p, senses = q, 0
			e.senses[p] = uint8(min(count, 255))
		}
		e.nsyn = uint8(len(l.ids) - int(e.syn))
		l.lemmas = append(l.lemmas, e)
		if strings.Contains(w, "-") {
			hyphenated = append(hyphenated, w)
		}
	}
	if len(l.lemmas) != n || len(l.ids) != nIDs {
		return errors.New("counts disagree with header")
	}
	l.folded = make(map[string]string, len(hyphenated))
	for _, h := range hyphenated {
		k := strings.ReplaceAll(h, "-", "")
		if _, ok := l.lookup(k); ok {
			continue
		}
		if _, ok := l.folded[k]; !ok {
			l.folded[k] = h
		}
	}
	return nil
}

// gunzip decompresses b into a string, sized from the gzip trailer.
func gunzip(b []byte) (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if len(b) >= 4 {
		// The trailer holds the size modulo 2³²; trust it within reason.
		sb.Grow(min(int(binary.LittleEndian.Uint32(b[len(b)-4:])), 32*len(b)))
	}
	if _, err := io.Copy(&sb, zr); err != nil {
		return "", err
	}
	if err := zr.Close(); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// Synonyms returns the other lemmas that share a synset with lemma among its
// first three senses of each part of speech, sorted, multiword ones with
// spaces; senses where WordNet capitalises the lemma ("Kid", the poet) do
// not count when it has others. The lemma is lower-cased and may have
// spaces or underscores. When
// it is not a WordNet lemma, Synonyms tries it without hyphens against
// WordNet's hyphenated lemmas ("ceasefire" finds "cease-fire"), then
// Lemma(lemma).
func (l *Lexicon) Synonyms(lemma string) []string {
	w := strings.ReplaceAll(normalize(lemma), " ", "_")
	e, ok := l.lookup(w)
	if !ok {
		if h, found := l.folded[strings.ReplaceAll(w, "-", "")]; found {
			w = h
		} else {
			w = l.Lemma(w)
		}
		e = l.entry(w)
	}
	var out []string
	for _, id := range l.ids[e.syn : e.syn+int32(e.nsyn)] {
		for _, off := range l.members[l.synsets[id]:l.synsets[id+1]] {
			if m := l.member(off); m != w {
				out = append(out, strings.ReplaceAll(m, "_", " "))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
