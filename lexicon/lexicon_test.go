package lexicon

import (
	"math"
	"slices"
	"sync"
	"testing"
)

func TestLemma(t *testing.T) {
	l := Default()
	tests := []struct {
		name, word, want string
	}{
		{"noun plural", "evacuees", "evacuee"},
		{"noun plural paramedics", "paramedics", "paramedic"},
		{"noun ies", "cities", "city"},
		{"verb ed to e", "evacuated", "evacuate"},
		{"verb exception over noun lemma", "given", "give"},
		{"verb exception", "fled", "flee"},
		{"verb exception be", "was", "be"},
		{"noun exception", "children", "child"},
		{"noun exception women", "women", "woman"},
		{"adjective exception", "better", "good"},
		{"adjective est to e", "largest", "large"},
		{"plural noun lemma with a richer singular", "talks", "talk"},
		{"plural noun lemma with a poorer singular", "species", "species"},
		{"noun lemma ending in s", "news", "news"},
		{"gerund that is a noun", "building", "building"},
		{"participle that is only an adjective", "reported", "report"},
		{"verb rule before noun rule", "does", "do"},
		{"doubled consonant", "running", "run"},
		{"upper case", "Children", "child"},
		{"surrounding space", " talks ", "talk"},
		{"lemma itself", "truce", "truce"},
		{"unknown word", "xyzzyq", "xyzzyq"},
		{"unknown word lower-cased", "Homsx", "homsx"},
		{"empty", "", ""},
		{"punctuation", "--", "--"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := l.Lemma(tc.word); got != tc.want {
				t.Errorf("Lemma(%q) = %q, want %q", tc.word, got, tc.want)
			}
		})
	}
}

func TestLemmas(t *testing.T) {
	l := Default()
	tests := []struct {
		name, word string
		want       []string
	}{
		{"noun and plural lemma", "talks", []string{"talk", "talks"}},
		{"exception and lemma", "given", []string{"give", "given"}},
		{"one reading", "evacuees", []string{"evacuee"}},
		{"unknown", "xyzzyq", []string{"xyzzyq"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := l.Lemmas(tc.word); !slices.Equal(got, tc.want) {
				t.Errorf("Lemmas(%q) = %q, want %q", tc.word, got, tc.want)
			}
		})
	}
}

func TestSynonyms(t *testing.T) {
	l := Default()
	tests := []struct {
		name, lemma string
		want        []string // a subset of the synonyms
	}{
		{"help", "help", []string{"aid", "assist"}},
		{"assist", "assist", []string{"aid", "help"}},
		{"aid", "aid", []string{"assist", "help"}},
		{"truce", "truce", []string{"armistice", "cease-fire"}},
		{"hyphenated", "cease-fire", []string{"armistice", "truce"}},
		{"solid spelling of a hyphenated lemma", "ceasefire", []string{"armistice", "truce"}},
		{"kid", "kid", []string{"child"}},
		{"multiword joined with a space", "child", []string{"kid", "small fry"}},
		{"inflected form", "talked", []string{"speak"}},
		{"upper case", "Truce", []string{"armistice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := l.Synonyms(tc.lemma)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("Synonyms(%q) = %q, want it to contain %q", tc.lemma, got, w)
				}
			}
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("Synonyms(%q) = %q, want sorted without duplicates", tc.lemma, got)
			}
			if slices.Contains(got, normalize(tc.lemma)) {
				t.Errorf("Synonyms(%q) = %q, want it without the lemma", tc.lemma, got)
			}
		})
	}
	for _, tc := range []struct{ lemma, not string }{
		{"kid", "thomas kyd"}, // "Kid" the poet is not a sense of "kid"
		{"truce", "pizza"},
	} {
		if got := l.Synonyms(tc.lemma); slices.Contains(got, tc.not) {
			t.Errorf("Synonyms(%q) = %q, want it without %q", tc.lemma, got, tc.not)
		}
	}
	if got := l.Synonyms("xyzzyq"); len(got) != 0 {
		t.Errorf("Synonyms(%q) = %q, want none", "xyzzyq", got)
	}
}

func TestSimilarityOrder(t *testing.T) {
	l := Default()
	tests := []struct {
		word, near, far string
	}{
		{"truce", "ceasefire", "pizza"},
		{"truce", "cease-fire", "pizza"},
		{"evacuate", "evacuation", "violin"},
		{"doctor", "nurse", "tank"},
		{"city", "town", "banana"},
		{"talks", "negotiations", "soup"},
	}
	for _, tc := range tests {
		near, far := l.Similarity(tc.word, tc.near), l.Similarity(tc.word, tc.far)
		if near <= far {
			t.Errorf("Similarity(%q, %q) = %.3f, want more than Similarity(%q, %q) = %.3f",
				tc.word, tc.near, near, tc.word, tc.far, far)
		}
	}
}

func TestSimilarity(t *testing.T) {
	l := Default()
	tests := []struct {
		name, a, b string
		want       float64
	}{
		{"equal words", "truce", "truce", 1},
		{"equal but for case", "Truce", "truce", 1},
		{"equal unknown words", "xyzzyq", "xyzzyq", 1},
		{"unknown word", "truce", "xyzzyq", 0},
		{"both unknown", "xyzzyq", "qzyxx", 0},
		{"empty", "", "truce", 0},
		{"both empty", "", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := l.Similarity(tc.a, tc.b); got != tc.want {
				t.Errorf("Similarity(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
	if ab, ba := l.Similarity("truce", "war"), l.Similarity("war", "truce"); ab != ba || ab <= 0 || ab >= 1 {
		t.Errorf("Similarity(truce, war) = %v and Similarity(war, truce) = %v, want equal, in (0, 1)", ab, ba)
	}
}

func TestVector(t *testing.T) {
	l := Default()
	if l.Dims() != 100 {
		t.Errorf("Dims() = %d, want 100", l.Dims())
	}
	for _, w := range []string{"the", "truce", "ceasefire", "cease-fire", "evacuees", "Homs"} {
		v := l.Vector(w)
		if len(v) != l.Dims() {
			t.Errorf("len(Vector(%q)) = %d, want %d", w, len(v), l.Dims())
			continue
		}
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		if n := math.Sqrt(s); math.Abs(n-1) > 1e-3 {
			t.Errorf("|Vector(%q)| = %v, want 1 ± 1e-3", w, n)
		}
	}
	for _, w := range []string{"xyzzyq", "", ",", "1990"} {
		if v := l.Vector(w); v != nil {
			t.Errorf("Vector(%q) = %v…, want nil", w, v[:3])
		}
	}
}

func TestRank(t *testing.T) {
	l := Default()
	tests := []struct {
		word string
		want int
	}{
		{"the", 0},
		{"The", 0},
		{"of", 1}, // GloVe's "," and "." take no rank
		{"xyzzyq", -1},
		{",", -1},
		{"", -1},
	}
	for _, tc := range tests {
		if got := l.Rank(tc.word); got != tc.want {
			t.Errorf("Rank(%q) = %d, want %d", tc.word, got, tc.want)
		}
	}
	if r := l.Rank("truce"); r <= l.Rank("war") || r >= l.Size() {
		t.Errorf("Rank(truce) = %d, want after Rank(war) = %d and below Size() = %d", r, l.Rank("war"), l.Size())
	}
}

func TestDefaultIsShared(t *testing.T) {
	if Default() != Default() {
		t.Error("Default() returned two Lexicons")
	}
}

func TestConcurrentUse(t *testing.T) {
	l := Default()
	want := l.Synonyms("truce")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				l.Lemma("evacuated")
				l.Similarity("truce", "ceasefire")
				if got := l.Synonyms("truce"); !slices.Equal(got, want) {
					t.Errorf("Synonyms(truce) = %q, want %q", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkLemma(b *testing.B) {
	l := Default()
	words := []string{"evacuees", "evacuated", "given", "children", "the", "talks", "cities", "largest", "was", "xyzzyq"}
	for b.Loop() {
		for _, w := range words {
			l.Lemma(w)
		}
	}
}

func BenchmarkSimilarity(b *testing.B) {
	l := Default()
	for b.Loop() {
		l.Similarity("truce", "ceasefire")
	}
}
