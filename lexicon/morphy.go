package lexicon

import (
	"iter"
	"slices"
	"strings"
)

// suffix is one of morphy's detachment rules: a word ending in from may be
// an inflection of the word ending in to instead.
type suffix struct{ from, to string }

// detachments are WordNet 3.0's detachment rules (morphy(7WN)), in its order;
// a read-only table.
var detachments = [numPOS][]suffix{
	noun: {{"s", ""}, {"ses", "s"}, {"xes", "x"}, {"zes", "z"}, {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"}},
	verb: {{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""}, {"ed", "e"}, {"ed", ""}, {"ing", "e"}, {"ing", ""}},
	adj:  {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}},
}

// detach yields what the detachment rules of p make of w, in rule order,
// without checking that the results are lemmas. Like WordNet, it leaves
// alone nouns of two letters or fewer and nouns ending in "ss".
func detach(w string, p pos) iter.Seq[string] {
	return func(yield func(string) bool) {
		if p == noun && (len(w) <= 2 || strings.HasSuffix(w, "ss")) {
			return
		}
		for _, r := range detachments[p] {
			if len(w) > len(r.from) && strings.HasSuffix(w, r.from) {
				if !yield(w[:len(w)-len(r.from)] + r.to) {
					return
				}
			}
		}
	}
}

// Lemma returns the base form of word, lower-cased, by WordNet's morphy: an
// exception list, else the detachment rules, accepting only a result that
// WordNet has as a lemma of the part of speech at hand. Unknown words come
// back lower-cased but otherwise unchanged.
//
// WordNet often knows several readings ("talks" is a noun lemma, and the
// plural of "talk"); Lemma takes the first of:
//
//  1. a base from the exception lists, tried for verbs, nouns, adjectives,
//     adverbs in turn ("given" → "give", "was" → "be", "children" →
//     "child", "better" → "good");
//  2. the word itself when it is a noun lemma, except that a base of a noun
//     rule wins when WordNet gives it more noun senses ("talks" → "talk",
//     "troops" → "troop", but "species", "means", "news" stay);
//  3. the word itself when it is a verb lemma;
//  4. the first base of a verb rule, then of a noun rule ("evacuated" →
//     "evacuate", "does" → "do", "cities" → "city");
//  5. the word itself when it is an adjective or adverb lemma ("later");
//  6. the first base of an adjective rule ("largest" → "large").
//
// Gerunds and participles that WordNet lists as nouns stay ("building",
// "wounded"); those it lists only as adjectives go to the verb ("reported"
// → "report").
func (l *Lexicon) Lemma(word string) string {
	w := normalize(word)
	for _, p := range [...]pos{verb, noun, adj, adv} {
		for _, b := range l.exc[p][w] {
			if l.entry(b).is(p) {
				return b
			}
		}
	}
	e := l.entry(w)
	if e.is(noun) {
		for b := range detach(w, noun) {
			if l.entry(b).senses[noun] > e.senses[noun] {
				return b
			}
		}
		return w
	}
	if e.is(verb) {
		return w
	}
	for _, p := range [...]pos{verb, noun} {
		for b := range detach(w, p) {
			if l.entry(b).is(p) {
				return b
			}
		}
	}
	if e.is(adj) || e.is(adv) {
		return w
	}
	for b := range detach(w, adj) {
		if l.entry(b).is(adj) {
			return b
		}
	}
	return w
}

// Lemmas returns every base form that morphy finds for word in any part of
// speech, Lemma(word) first, then by part of speech (noun, verb, adjective,
// adverb) in morphy's order, without duplicates. For a word WordNet does not
// know it returns just Lemma(word).
func (l *Lexicon) Lemmas(word string) []string {
	w := normalize(word)
	out := []string{l.Lemma(w)}
	add := func(b string, p pos) {
		if l.entry(b).is(p) && !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	for p := range numPOS {
		add(w, p)
		if bases, ok := l.exc[p][w]; ok {
			for _, b := range bases {
				add(b, p)
			}
			continue
		}
		for b := range detach(w, p) {
			add(b, p)
		}
	}
	return out
}
