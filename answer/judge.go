package answer

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/situationbot/bot/corpus"
	"github.com/situationbot/bot/question"
	"github.com/situationbot/bot/retrieval"
)

// judgement is what the answerability model made of a question's
// candidate sentences.
type judgement struct {
	terms    terms
	cands    []sentence
	feats    [][]float64
	probs    []float64 // the ranker's: this sentence answers
	decision float64   // the decider's: the question is answerable here
}

// judge scores every candidate sentence of the passages against pq.
func (e *Engine) judge(pq question.Question, passages []retrieval.Passage) judgement {
	weights := e.search.TermWeights(pq.Text + " " + pq.Context)
	unseen := map[string]bool{}
	for _, t := range sortedKeys(weights) {
		if e.search.DocFreq(t) == 0 {
			unseen[t] = true
		}
	}
	j := judgement{terms: newTerms(weights), cands: candidates(passages)}
	var arts []corpus.Article
	for _, a := range e.search.Articles() {
		for _, p := range passages {
			if p.ArticleID == a.ID {
				arts = append(arts, a)
				break
			}
		}
	}
	if typedInLowerCase(pq.Text) {
		pq.Names = namesByCorpus(pq.Text, arts)
	}
	r := read(e.lex, pq, weights, unseen)
	maxKW := 0.0
	for _, p := range passages {
		maxKW = max(maxKW, p.KeywordScore)
	}
	var eligible [][]float64
	vecs := newMemo(e.lex, e.words)
	inArticle := map[string]float64{}
	for _, a := range arts {
		inArticle[a.ID] = r.namesMet(vecs, a.Title+"\n"+a.Body)
	}
	for _, c := range j.cands {
		p := passages[c.passage]
		f := r.features(vecs, c, c.prev, p.Title, p, c.passage, maxKW)
		f[namesArticleFeature] = inArticle[p.ArticleID]
		j.feats = append(j.feats, f)
		if meetsConstraints(pq.Type, f) {
			j.probs = append(j.probs, e.model.Ranker.Prob(f))
			eligible = append(eligible, f)
		} else {
			j.probs = append(j.probs, 0)
		}
	}
	if e.speakerUnknown(pq, passages, vecs) {
		eligible = nil
		for i := range j.probs {
			j.probs[i] = 0
		}
	}
	j.decision = e.model.decide(eligible)
	return j
}

// speakerUnknown reports whether a "what did X say" question names a
// speaker the articles never mention, by name or another word for it: X
// has said nothing in them. The retrieved passages' words are read only
// when a speaker word is not in the index.
func (e *Engine) speakerUnknown(pq question.Question, passages []retrieval.Passage, vecs *memo) bool {
	var retrieved *sentenceWords
	for _, w := range pq.Speaker {
		if retrieval.IsStopword(w) || e.search.DocFreq(retrieval.Stem(w)) > 0 || demonymInCorpus(e, w) {
			continue
		}
		if retrieved == nil {
			texts := make([]string, len(passages))
			for i, p := range passages {
				texts[i] = p.Text
			}
			sw := wordsOf(vecs, texts...)
			retrieved = &sw
		}
		if !mentions(vecs, *retrieved, w) {
			return true
		}
	}
	return false
}

// demonymInCorpus reports whether the corpus uses a demonym of w, or w
// is one of a name it uses ("Russian" for "Russia").
func demonymInCorpus(e *Engine, w string) bool {
	for _, suf := range demonymSuffixes {
		if e.search.DocFreq(retrieval.Stem(w+suf)) > 0 || (strings.HasSuffix(w, suf) && len(w) > len(suf)+3 && e.search.DocFreq(retrieval.Stem(strings.TrimSuffix(w, suf))) > 0) {
			return true
		}
	}
	return false
}

// typedInLowerCase reports whether a question has no capital after its
// first letter: typed as in a chat, its names cannot be told by case.
func typedInLowerCase(q string) bool {
	for i, r := range q {
		if i > 0 && unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// namesByCorpus finds the names in a question typed in lower case: its
// words that the articles write with a capital inside a sentence
// ("aleppo", "mekdad"), in the articles' spelling.
func namesByCorpus(q string, arts []corpus.Article) []string {
	proper := map[string]string{}
	for _, a := range arts {
		for _, para := range retrieval.Paragraphs(a.Body) {
			for _, s := range retrieval.Sentences(para) {
				for i, f := range strings.Fields(s) {
					f = strings.Trim(f, `"'“”‘’(),.;:!?`)
					r, _ := utf8.DecodeRuneInString(f)
					if i == 0 || !unicode.IsUpper(r) || strings.ContainsAny(f, ".") {
						continue
					}
					for _, w := range retrieval.Words(f) {
						if !retrieval.IsStopword(w) {
							proper[w] = f
						}
					}
				}
			}
		}
	}
	var out []string
	for _, w := range retrieval.Words(q) {
		if name, ok := proper[w]; ok && !retrieval.IsStopword(w) {
			out = append(out, name)
		}
	}
	return out
}

// Indexes of the hard constraints among the features.
var (
	namesArticleFeature = featureIndex("names_in_article")
	numbersFeature      = featureIndex("numbers_met")
	modifierFeature     = featureIndex("modifier_mismatch")
	countFeature        = featureIndex("count_head_missing")
	typeFeature         = featureIndex("type_present")
	contextFeature      = featureIndex("cover_context")
	unseenFeature       = featureIndex("unseen_share")
	focusFeature        = featureIndex("focus_missing")
)

func featureIndex(name string) int {
	for i, n := range FeatureNames {
		if n == name {
			return i
		}
	}
	panic("answer: no feature " + name)
}

// maxUnseenShare is the share of a question (by weight) that may be words
// the articles never use with nothing near them in the candidate: past
// it, what the question is about is not in the articles ("the weather in
// Homs"). On the training sets it refuses 0.5% of answerable questions.
const maxUnseenShare = 0.5

// meetsConstraints reports whether a candidate with features f respects
// the question's hard constraints: it (with the sentence before it and its
// title) shares a word with the question, exactly or through a synonym,
// and less than maxUnseenShare of the question is unknown to the articles;
// its article names everything the
// question names, it (with the sentence before it) states every figure
// the question writes in digits, and it does not qualify a role the
// question names with a modifier the question does not use ("deputy
// foreign minister" for "foreign minister", or the other way round), for
// "how many X" it mentions X, it mentions the question's focus ("prime
// minister" in "who is the prime minister"), and when a count, a date or a duration is
// asked it states one. A candidate that does not can never be the
// answer.
func meetsConstraints(t question.Type, f []float64) bool {
	if f[contextFeature] == 0 || f[unseenFeature] >= maxUnseenShare || f[namesArticleFeature] != 1 || f[numbersFeature] != 1 || f[modifierFeature] != 0 || f[countFeature] != 0 || f[focusFeature] != 0 {
		return false
	}
	switch t {
	case question.Count, question.Date, question.Duration:
		// A count, a date or a length of time is something a sentence
		// states or does not.
		return f[typeFeature] == 1
	}
	return true
}

// Candidate is a sentence the extractive composer weighed for a question:
// its features and the model's probability that it answers. Training and
// evaluation read them; answers never show them.
type Candidate struct {
	Text      string
	Context   string // the sentence before it in its paragraph
	ArticleID string
	Features  []float64
	Prob      float64 // the ranker's score through a sigmoid (higher answers better); 0 when not Eligible
	Eligible  bool    // it meets the question's hard constraints (names, numbers, role modifiers)
}

// Candidates retrieves passages for q and returns every candidate
// sentence with its features, in passage order, and the decider's
// probability that the question is answerable from them.
func (e *Engine) Candidates(ctx context.Context, q string) ([]Candidate, float64, error) {
	pq := question.Parse(q)
	passages, err := e.search.Search(ctx, searchText(pq, q), e.k)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	j := e.judge(pq, passages)
	out := make([]Candidate, len(j.cands))
	for i, c := range j.cands {
		out[i] = Candidate{Text: c.text, Context: c.prev, ArticleID: passages[c.passage].ArticleID, Features: j.feats[i], Prob: j.probs[i], Eligible: meetsConstraints(pq.Type, j.feats[i])}
	}
	return out, j.decision, nil
}

// searchText is what is searched for a question: its normalised text
// with a follow-up's context, or the text as typed when normalising
// leaves nothing.
func searchText(pq question.Question, raw string) string {
	if pq.Text == "" {
		return raw
	}
	return strings.TrimSpace(pq.Text + " " + pq.Context)
}

// Threshold is the decider's probability below which a question is
// refused (extractive answers).
func (e *Engine) Threshold() float64 { return e.model.Threshold }
