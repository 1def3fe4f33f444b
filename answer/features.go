package answer

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/lexicon"
	"github.com/situationbot/bot/question"
	"github.com/situationbot/bot/retrieval"
)

// Whether a sentence answers a question is judged from features of the
// pair, each general (none names a word of any one story): how much of the
// question the sentence covers exactly, through WordNet lemmas and
// synonyms, and through word vectors; what it leaves out, and whether the
// word it leaves out is one the articles never use or one swapped for a
// near neighbour (an antonym, another name); whether it holds the kind of
// thing asked for; whether the question's names and numbers, negation and
// role modifiers are respected; and how the retriever ranked its passage.
// The answerability model (decide.go) turns them into probabilities.

// FeatureNames name the features, in the order of a feature vector.
var FeatureNames = []string{
	"cover_exact", "cover_context", "cover_synonym", "cover_soft",
	"miss_max_weight", "miss_count", "miss_nearest", "miss_unseen",
	"names_met", "has_names", "numbers_met", "has_numbers", "negation_mismatch", "modifier_mismatch",
	"type_present", "type_known", "bigram_cover", "proximity", "novelty",
	"passage_rank", "passage_keyword", "passage_cover", "sentence_length", "starts_pronoun",
	"title_cover", "prev_cover", "next_cover", "polarity_mismatch", "first_in_paragraph",
	"unseen_share", "align_min", "names_in_corpus", "names_in_article", "count_head_missing",
	"focus_missing",
}

// qterm is a content word of the question.
type qterm struct {
	word   string // lower case, as written
	stem   string
	lemma  string
	syn    map[string]bool // lemmas of its WordNet synonyms
	weight float64
	vec    []float32
	name   bool // one of the question's names, or a month or weekday
}

// synonymSimilarity is the least word-vector similarity at which a
// WordNet synonym of a question word counts as a match.
const synonymSimilarity = 0.35

// nearWord is the word-vector similarity above which two words are
// taken for the same thing said another way.
const nearWord = 0.6

// contextShare is the weight of a follow-up's context words beside its
// own.
const contextShare = 0.3

// reading is a question prepared for scoring sentences against it.
type reading struct {
	q       question.Question
	terms   []qterm
	total   float64
	bigrams [][2]string // adjacent content stems
	maxW    float64
	unseen  map[string]bool // stems no chunk of the corpus contains
}

// read prepares q for scoring. weights are the retriever's term weights
// (IDF, generic question words reduced); unseen are the stems no chunk
// contains.
func read(lex *lexicon.Lexicon, q question.Question, weights map[string]float64, unseen map[string]bool) reading {
	r := reading{q: q, unseen: unseen}
	seen := map[string]bool{}
	nameWords := map[string]bool{}
	for _, n := range q.Names {
		for _, w := range retrieval.Words(n) {
			nameWords[w] = true
		}
	}
	var prev string
	// A follow-up's thread context counts, but less than its own words:
	// it says what the question is about, not what it asks.
	own := len(retrieval.Words(q.Text))
	for i, w := range retrieval.Words(q.Text + " " + q.Context) {
		if retrieval.IsStopword(w) || (utf8.RuneCountInString(w) == 1 && !unicode.IsDigit([]rune(w)[0])) {
			prev = ""
			continue
		}
		st := retrieval.Stem(w)
		if prev != "" {
			r.bigrams = append(r.bigrams, [2]string{prev, st})
		}
		prev = st
		if seen[st] {
			continue
		}
		seen[st] = true
		t := qterm{word: w, stem: st, lemma: lex.Lemma(w), weight: weights[st], syn: map[string]bool{}, vec: lex.Vector(w)}
		if t.weight == 0 {
			t.weight = 1
		}
		if i >= own {
			t.weight *= contextShare
		}
		t.name = nameWords[w] || dateRe.MatchString(w)
		for _, l := range lex.Lemmas(w) {
			for _, s := range lex.Synonyms(l) {
				// WordNet lists every sense: "weather" the verb is
				// "endure". A synonym counts only if news text also uses
				// the two words alike.
				if !strings.Contains(s, " ") && lex.Similarity(l, s) >= synonymSimilarity {
					t.syn[s] = true
				}
			}
		}
		r.terms = append(r.terms, t)
		r.total += t.weight
		r.maxW = max(r.maxW, t.weight)
	}
	return r
}

// pronounStart finds a sentence that leans on the one before it.
var pronounStart = regexp.MustCompile(`^["“]?(?:He|She|They|It|This|That|These|Those|His|Her|Their|Its|The group|The two|Both)\b`)

// features computes the feature vector of candidate s for question r.
func (r reading) features(vecs *memo, s sentence, prev string, title string, p retrieval.Passage, rank int, maxKeyword float64) []float64 {
	own := wordsOf(vecs, s.text)
	pw, nw := wordsOf(vecs, s.prev), wordsOf(vecs, s.next)
	var prevHit, nextHit float64
	ctx := wordsOf(vecs, prev, s.text, title)
	tw := wordsOf(vecs, title)
	var exact, context, synonym, soft, titleHit float64
	var missMax, missNearest, unseenW float64
	missCount, missUnseen := 0, 0.0
	alignMin := 1.0
	for _, t := range r.terms {
		g, kind := own.match(t, vecs)
		if kind == 0 {
			exact += t.weight
		}
		if kind <= 1 {
			synonym += t.weight * g
		}
		soft += t.weight * max(g, 0)
		cg, ckind := ctx.match(t, vecs)
		// A word the articles never use, with nothing near it here: what
		// the question is about is not in this sentence ("weather",
		// "pizza"), unlike a word used differently ("evacuees" beside
		// "evacuated").
		unmatched := r.unseen[t.stem] && cg < nearWord
		if unmatched {
			unseenW += t.weight
		}
		if t.weight >= 0.5*r.maxW {
			alignMin = min(alignMin, max(cg, 0))
		}
		if ckind <= 1 {
			context += t.weight
		} else {
			if t.weight > missMax {
				missMax, missNearest = t.weight, max(cg, 0)
			}
			if t.weight >= 0.25*r.maxW {
				missCount++
			}
			if unmatched {
				missUnseen = 1
			}
		}
		if _, k := tw.match(t, vecs); k <= 1 {
			titleHit += t.weight
		}
		if _, k := pw.match(t, vecs); k <= 1 {
			prevHit += t.weight
		}
		if _, k := nw.match(t, vecs); k <= 1 {
			nextHit += t.weight
		}
	}
	total := max(r.total, 1e-9)
	f := make([]float64, len(FeatureNames))
	f[0], f[1], f[2], f[3] = exact/total, context/total, synonym/total, soft/total
	if r.maxW > 0 {
		f[4] = missMax / r.maxW
	}
	f[5] = math.Min(float64(missCount), 3) / 3
	f[6] = missNearest
	f[7] = missUnseen
	f[8], f[9] = r.namesMet(vecs, prev+" "+s.text+" "+title), b2f(len(r.q.Names) > 0)
	f[10], f[11] = r.numbersMet(prev+" "+s.text), b2f(len(r.q.Figures) > 0)
	f[12] = b2f(r.q.Negated != negated(s.text))
	f[13] = b2f(r.modifierMismatch(prev + " " + s.text))
	f[14], f[15] = b2f(r.typePresent(s.text)), b2f(r.q.Type != question.Thing)
	f[16] = r.bigramCover(vecs.termsOf(s.text))
	f[17] = r.proximity(vecs.termsOf(s.text))
	f[18] = r.novelty(own)
	f[19] = 1 / float64(rank+1)
	if maxKeyword > 0 {
		f[20] = p.KeywordScore / maxKeyword
	}
	f[21] = p.Coverage
	f[22] = math.Log1p(float64(len(strings.Fields(s.text)))) / 4
	f[23] = b2f(pronounStart.MatchString(s.text))
	f[24] = titleHit / total
	f[25], f[26] = prevHit/total, nextHit/total
	f[27] = b2f(r.polarityMismatch(prev + " " + s.text))
	f[28] = b2f(s.prev == "")
	f[29], f[30], f[31] = unseenW/total, alignMin, r.namesInCorpus()
	f[33] = b2f(r.countHeadMissing(vecs, ctx))
	f[34] = b2f(r.focusMissing(vecs, ctx))
	return f
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// bigramCover is the share of the question's adjacent content-word pairs
// that a sentence's terms hold in order.
func (r reading) bigramCover(terms []string) float64 {
	if len(r.bigrams) == 0 {
		return 0
	}
	have := map[[2]string]bool{}
	for i := 1; i < len(terms); i++ {
		have[[2]string{terms[i-1], terms[i]}] = true
	}
	n := 0
	for _, b := range r.bigrams {
		if have[b] {
			n++
		}
	}
	return float64(n) / float64(len(r.bigrams))
}

// proximity is how tightly the question's words sit in a sentence's terms: matched
// terms over the span they take, 0 when fewer than two match.
func (r reading) proximity(terms []string) float64 {
	qs := map[string]bool{}
	for _, t := range r.terms {
		qs[t.stem] = true
	}
	first, last, n := -1, -1, 0
	for i, t := range terms {
		if qs[t] {
			if first < 0 {
				first = i
			}
			last = i
			n++
		}
	}
	if n < 2 {
		return 0
	}
	return float64(n) / float64(last-first+1)
}

// novelty is the share of the sentence's content words the question does
// not use: an answer says something the question does not.
func (r reading) novelty(sw sentenceWords) float64 {
	if len(sw.words) == 0 {
		return 0
	}
	qs := map[string]bool{}
	for _, t := range r.terms {
		qs[t.stem] = true
	}
	n := 0
	for _, w := range sw.words {
		if !qs[retrieval.Stem(w)] {
			n++
		}
	}
	return float64(n) / float64(len(sw.words))
}

// sortedKeys returns m's keys in order, so that sums over them are
// the same on every run.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
