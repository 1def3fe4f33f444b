package answer

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
)

// Example is one training question: the feature vectors of its candidate
// sentences and, for each, whether it answers the question (holds the
// expected facts). An unanswerable question has no answering candidate.
type Example struct {
	ID         string
	Answerable bool
	X          [][]float64
	Y          []bool
	Weight     float64 // how much the question counts; 0 means 1
}

func (ex Example) weight() float64 {
	if ex.Weight <= 0 {
		return 1
	}
	return ex.Weight
}

// TrainOptions tunes Train.
type TrainOptions struct {
	L2 float64 // ridge penalty on the standardised weights; 0 means 1
	// TargetFalseRefusal is the share of answerable training questions the
	// threshold may refuse; 0 means 0.06.
	TargetFalseRefusal float64
	Sets               string // what the examples came from, recorded in the model
	Synthetic          int    // how many examples are synthetic unanswerable ones
}

// Train fits the answerability model (see Model): the ranker on the
// candidate sentences of the answerable questions, the decider on every
// question's best sentence, then the refusal threshold: the highest
// decider probability at which at most TargetFalseRefusal of the
// answerable questions would be refused. The threshold is chosen on
// out-of-fold probabilities (each question scored by a model fitted
// without it, in five folds), because a model's probabilities for its
// own training questions are too confident; the rates recorded in the
// model are those out-of-fold estimates. Everything is deterministic:
// the same examples give the same model, bit for bit.
func Train(exs []Example, opt TrainOptions) (*Model, error) {
	if opt.L2 <= 0 {
		opt.L2 = 1
	}
	if opt.TargetFalseRefusal <= 0 {
		opt.TargetFalseRefusal = 0.06
	}
	for _, ex := range exs {
		if len(ex.Y) != len(ex.X) {
			return nil, fmt.Errorf("example %s: %d labels for %d candidates", ex.ID, len(ex.Y), len(ex.X))
		}
		for _, x := range ex.X {
			if len(x) != len(FeatureNames) {
				return nil, fmt.Errorf("example %s: %d features, want %d", ex.ID, len(x), len(FeatureNames))
			}
		}
	}
	m, top1, pairs, err := fit(exs, opt)
	if err != nil {
		return nil, err
	}
	const folds = 5
	oof := make([]float64, len(exs))
	for k := 0; k < folds; k++ {
		var in []Example
		for i, ex := range exs {
			if fold(ex.ID, folds) != k {
				in = append(in, exs[i])
			}
		}
		fm, _, _, err := fit(in, opt)
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", k, err)
		}
		for i, ex := range exs {
			if fold(ex.ID, folds) == k {
				oof[i] = fm.decide(ex.X)
			}
		}
	}
	m.Threshold, m.Training = threshold(exs, oof, opt)
	m.Training.Pairs, m.Training.L2, m.Training.Sets, m.Training.Synthetic, m.Training.RankerTop1 = pairs, opt.L2, opt.Sets, opt.Synthetic, top1
	return m, nil
}

// fold assigns a question to one of n folds by a hash of its ID.
func fold(id string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(n))
}

// fit fits the ranker and the decider (no threshold) and reports the
// ranker's top-1 accuracy on the answerable questions and the number of
// candidate pairs it was fitted on.
func fit(exs []Example, opt TrainOptions) (*Model, float64, int, error) {
	var groups []Example
	pairs := 0
	for _, ex := range exs {
		if ex.Answerable && anyTrue(ex.Y) {
			groups = append(groups, ex)
			pairs += len(ex.X)
		}
	}
	ranker, err := fitRanker(FeatureNames, groups, opt.L2)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("train ranker: %w", err)
	}
	m := &Model{Ranker: ranker}
	var drows [][]float64
	var dys, dws []float64
	top1, withAnswer := 0, 0
	for _, ex := range exs {
		best, p1, p2 := rankBest(&m.Ranker, ex.X)
		if best < 0 {
			continue
		}
		if ex.Answerable && anyTrue(ex.Y) {
			withAnswer++
			if ex.Y[best] {
				top1++
			}
		}
		drows = append(drows, decisionFeatures(ex.X[best], p1, p2))
		// The decider learns when the answer the ranker would give is
		// right: an answerable question whose best sentence is wrong is
		// no more an example of a good answer than an unanswerable one.
		dys = append(dys, b2f(ex.Answerable && ex.Y[best]))
		dws = append(dws, ex.weight())
	}
	if len(drows) == 0 {
		return nil, 0, 0, errors.New("train decider: no question has a candidate")
	}
	m.Decider = fitTrees(DecisionFeatureNames, drows, dys, dws)
	acc := 0.0
	if withAnswer > 0 {
		acc = math.Round(float64(top1)/float64(withAnswer)*1000) / 1000
	}
	return m, acc, pairs, nil
}

// rankBest returns the index of the candidate the ranker likes best, its
// probability and the runner-up's (0 when there is none); -1 when there
// are no candidates.
func rankBest(r *Logistic, xs [][]float64) (int, float64, float64) {
	best, p1, p2 := -1, 0.0, 0.0
	for i, x := range xs {
		p := r.Prob(x)
		switch {
		case best < 0 || p > p1:
			best, p1, p2 = i, p, p1
		case p > p2:
			p2 = p
		}
	}
	return best, p1, p2
}

// decide is the decider's probability that a question with these
// candidates is answerable; -1 when there are none, so that a question
// with no candidate is refused whatever the threshold.
func (m *Model) decide(xs [][]float64) float64 {
	best, p1, p2 := rankBest(&m.Ranker, xs)
	if best < 0 {
		return -1
	}
	return m.Decider.Prob(decisionFeatures(xs[best], p1, p2))
}

func anyTrue(bs []bool) bool {
	for _, b := range bs {
		if b {
			return true
		}
	}
	return false
}

// threshold picks the refusal threshold for the target false-refusal rate
// and reports the rates it gives on the training questions.
func threshold(exs []Example, probs []float64, opt TrainOptions) (float64, TrainingInfo) {
	type scored struct{ p, w float64 }
	var pos, neg []scored
	var posW float64
	for i, ex := range exs {
		s := scored{probs[i], ex.weight()}
		if ex.Answerable {
			pos = append(pos, s)
			posW += s.w
		} else {
			neg = append(neg, s)
		}
	}
	sort.Slice(pos, func(i, j int) bool { return pos[i].p < pos[j].p })
	// The threshold sits just above the least confident answerable
	// questions that together weigh at most the target share.
	t, acc := 0.0, 0.0
	for i, s := range pos {
		acc += s.w
		if acc > opt.TargetFalseRefusal*posW {
			if i > 0 {
				t = (pos[i-1].p + s.p) / 2
			}
			break
		}
	}
	t = math.Round(t*1e6) / 1e6
	info := TrainingInfo{Questions: len(exs), Answerable: len(pos), TargetFalseRefusal: opt.TargetFalseRefusal}
	below := func(xs []scored) float64 {
		var n, d float64
		for _, s := range xs {
			d += s.w
			if s.p < t {
				n += s.w
			}
		}
		if d == 0 {
			return 0
		}
		return math.Round(n/d*1000) / 1000
	}
	info.FalseRefusal, info.Refusal = below(pos), below(neg)
	return t, info
}
