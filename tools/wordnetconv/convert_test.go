package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/situationbot/bot/lexicon"
)

// licence opens every WordNet index and data file.
const licence = "  1 This software and database is being provided to you, the LICENSEE, by  \n" +
	"  2 Princeton University under the following license.  \n"

// sampleFiles is a tiny WordNet database. "kid" has the poet "Kid" as its
// second sense, which must not count, so its fourth sense does.
var sampleFiles = map[string]string{
	"index.noun": licence +
		"aid n 2 1 @ 2 1 00000001 00000002  \n" +
		"assist n 1 1 @ 1 0 00000001  \n" +
		"child n 1 1 @ 1 1 00000010  \n" +
		"help n 1 1 @ 1 1 00000001  \n" +
		"kid n 4 2 @ ~ 4 1 00000010 00000011 00000012 00000013  \n" +
		"kidskin n 1 1 @ 1 0 00000013  \n" +
		"kyd n 1 1 @ 1 0 00000011  \n" +
		"small_fry n 1 1 @ 1 0 00000010  \n" +
		"thomas_kyd n 1 1 @ 1 0 00000011  \n",
	"data.noun": licence +
		"00000001 04 n 03 aid 0 assist 0 help 0 000 | a resource  \n" +
		"00000002 04 n 01 aid 0 000 | a gift  \n" +
		"00000010 18 n 03 child 0 kid 0 small_fry 0 000 | a young person  \n" +
		"00000011 18 n 03 Kyd 0 Kid 0 Thomas_Kyd 0 001 @ 00000010 n 0000 | English dramatist  \n" +
		"00000012 05 n 01 kid 0 000 | young goat  \n" +
		"00000013 05 n 02 kid 0 kidskin 0 000 | soft leather  \n",
	"noun.exc": "children child\n",
	"index.verb": licence +
		"assist v 1 1 @ 1 1 00000200  \n" +
		"flee v 1 1 @ 1 1 00000201  \n" +
		"fly v 2 1 @ 2 1 00000202 00000201  \n" +
		"help v 1 1 @ 1 1 00000200  \n",
	"data.verb": licence +
		"00000200 41 v 02 help 0 assist 0 000 01 + 02 00 | give help  \n" +
		"00000201 38 v 02 flee 0 fly 0 000 01 + 02 00 | run away  \n" +
		"00000202 38 v 01 fly 0 000 01 + 02 00 | travel through the air  \n",
	"verb.exc": "fled flee\nflew fly\n",
	"index.adj": licence +
		"abounding a 1 0 1 0 00000100  \n" +
		"galore a 1 0 1 0 00000100  \n" +
		"good a 1 0 1 1 00000101  \n",
	"data.adj": licence +
		"00000100 00 s 02 abounding 0 galore(ip) 0 000 | plentiful  \n" +
		"00000101 00 a 01 good 0 000 | having desirable qualities  \n",
	"adj.exc":   "better good\n",
	"index.adv": licence,
	"data.adv":  licence,
	"adv.exc":   "",
}

// wantText is what Convert makes of sampleFiles, decompressed.
const wantText = `wordnet-lexicon 1 14 7 17 16
@exc n
children child
@exc v
fled flee
flew fly
@exc a
better good
@exc r
@synsets
aid assist help
child kid small_fry
kyd kid thomas_kyd
kid kidskin
help assist
flee fly
abounding galore
@lemmas
abounding a1 6
aid n2 0
assist n1 0 v1 4
child n1 1
flee v1 5
fly v2 5
galore a1 6
good a1
help n1 0 v1 4
kid n4 1 3
kidskin n1 3
kyd n1 2
small_fry n1 1
thomas_kyd n1 2
`

// tinyGloVe is a one-word glove.bin, for lexicon.Load.
func tinyGloVe() []byte {
	le := binary.LittleEndian
	b := le.AppendUint32([]byte("LXGV"), 1)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint32(b, 1)
	b = append(b, 1, 'a')
	b = le.AppendUint32(b, math.Float32bits(1))
	b = append(b, 1)
	return le.AppendUint32(b, 0) // the index of ranks in byte order
}

// writeDir writes files to a new directory.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// convert runs Convert on the directory dir.
func convert(t *testing.T, dir string) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := Convert(&out, os.DirFS(dir)); err != nil {
		t.Fatalf("Convert: %v", err)
	}
	return out.Bytes()
}

func TestConvert(t *testing.T) {
	dir := writeDir(t, sampleFiles)
	out := convert(t, dir)
	if again := convert(t, dir); !bytes.Equal(out, again) {
		t.Fatal("two runs wrote different bytes")
	}
	zr, err := gzip.NewReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("gzip header has time %v, name %q, want neither", zr.ModTime, zr.Name)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if string(text) != wantText {
		t.Errorf("Convert wrote\n%s\nwant\n%s", text, wantText)
	}

	l, err := lexicon.Load(tinyGloVe(), out)
	if err != nil {
		t.Fatalf("lexicon.Load: %v", err)
	}
	lemmas := []struct{ word, want string }{
		{"fled", "flee"},
		{"children", "child"},
		{"better", "good"},
		{"kids", "kid"},
		{"helped", "help"},
		{"unknown", "unknown"},
	}
	for _, tc := range lemmas {
		if got := l.Lemma(tc.word); got != tc.want {
			t.Errorf("Lemma(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
	synonyms := []struct {
		lemma string
		want  []string
	}{
		{"kid", []string{"child", "kidskin", "small fry"}},
		{"kyd", []string{"kid", "thomas kyd"}},
		{"help", []string{"aid", "assist"}},
		{"aid", []string{"assist", "help"}},
		{"fly", []string{"flee"}},
		{"galore", []string{"abounding"}},
		{"good", nil},
	}
	for _, tc := range synonyms {
		if got := l.Synonyms(tc.lemma); !slices.Equal(got, tc.want) {
			t.Errorf("Synonyms(%q) = %q, want %q", tc.lemma, got, tc.want)
		}
	}
}

func TestConvertErrors(t *testing.T) {
	tests := []struct {
		name, file, body string // body replaces file; "" removes it
	}{
		{"missing data file", "data.adv", ""},
		{"missing exception list", "noun.exc", ""},
		{"index line too short", "index.adj", "good a 1\n"},
		{"index count wrong", "index.adj", "good a 2 0 1 1 00000101\n"},
		{"synset not in data", "index.adj", "good a 1 0 1 1 00000999\n"},
		{"bad word count", "data.adj", "00000100 00 s zz abounding 0\n00000101 00 a 01 good 0 000 | good\n"},
		{"exception without base", "adj.exc", "better\n"},
		{"lemma twice", "index.adj", "good a 1 0 1 1 00000101\ngood a 1 0 1 1 00000101\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, body := range sampleFiles {
				fsys[name] = &fstest.MapFile{Data: []byte(body)}
			}
			if tc.body == "" {
				delete(fsys, tc.file)
			} else {
				fsys[tc.file] = &fstest.MapFile{Data: []byte(tc.body)}
			}
			if _, err := Convert(io.Discard, fsys); err == nil {
				t.Error("Convert succeeded, want an error")
			}
		})
	}
}

func TestRun(t *testing.T) {
	dir := writeDir(t, sampleFiles)
	out := filepath.Join(t.TempDir(), "wordnet.txt.gz")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-dir", dir, "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v (stderr %q)", err, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, convert(t, dir)) {
		t.Error("run wrote other bytes than Convert")
	}
	if !strings.Contains(stdout.String(), "14 lemmas, 7 synsets") {
		t.Errorf("stdout = %q, want it to report 14 lemmas, 7 synsets", stdout.String())
	}
	if err := run([]string{"-dir", dir, "extra"}, &stdout, &stderr); err == nil {
		t.Error("run with an extra argument succeeded, want an error")
	}
}

func TestFormatMatchesLexicon(t *testing.T) {
	if header != lexicon.WordNetHeader || senses != lexicon.WordNetSenses {
		t.Errorf("header, senses = %q, %d, want lexicon's %q, %d", header, senses, lexicon.WordNetHeader, lexicon.WordNetSenses)
	}
}
