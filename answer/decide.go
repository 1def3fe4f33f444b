package answer

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
)

// Model is the answerability model, in two parts. The ranker, a
// conditional logit (a linear score per (question, sentence) pair, fitted
// as a softmax over each question's candidates, fit.go), orders the
// candidates; it picks the answer. Its score goes through a sigmoid for
// the decider, but only its order and differences mean anything. The
// decider looks at the question and its best sentence together (the
// ranker's features of that sentence, its score and its lead over the
// next) and gives the probability that the answer it would give is right
// (gradient-boosted trees, trees.go); below Threshold the question is
// refused. Both are trained by `bot train` (train.go) and shipped as
// answerability.json.
type Model struct {
	Ranker    Logistic `json:"ranker"`
	Decider   Trees    `json:"decider"`
	Threshold float64  `json:"threshold"`
	// Training describes what the model was trained on and how the
	// threshold was chosen; informational.
	Training TrainingInfo `json:"training"`
}

// Logistic is a linear model on standardised features, read through a
// sigmoid.
type Logistic struct {
	Features []string  `json:"features"`
	Mean     []float64 `json:"mean"`
	Scale    []float64 `json:"scale"`
	Weights  []float64 `json:"weights"`
	Bias     float64   `json:"bias"`
}

// Prob is the probability the regression gives features x.
func (l *Logistic) Prob(x []float64) float64 {
	z := l.Bias
	for i, v := range x {
		z += l.Weights[i] * (v - l.Mean[i]) / l.Scale[i]
	}
	return sigmoid(z)
}

// DecisionFeatureNames name the decider's features: the ranker's features
// of the best sentence, then these.
var DecisionFeatureNames = append(append([]string(nil), FeatureNames...), "rank_prob", "rank_margin", "rank_second")

// decisionFeatures builds the decider's features from the best
// candidate's features and the ranker's probabilities.
func decisionFeatures(best []float64, p1, p2 float64) []float64 {
	return append(append([]float64(nil), best...), p1, p1-p2, p2)
}

// TrainingInfo records how a model was made.
type TrainingInfo struct {
	Questions          int     `json:"questions"`
	Answerable         int     `json:"answerable"`
	Synthetic          int     `json:"synthetic_unanswerable"`
	Pairs              int     `json:"pairs"`
	L2                 float64 `json:"l2"`
	TargetFalseRefusal float64 `json:"target_false_refusal"`
	FalseRefusal       float64 `json:"false_refusal_rate"`
	Refusal            float64 `json:"refusal_rate"`
	RankerTop1         float64 `json:"ranker_top1"`
	Sets               string  `json:"sets"`
}

//go:embed answerability.json
var modelJSON []byte

var defaultModel = sync.OnceValues(func() (*Model, error) { return ParseModel(modelJSON) })

// DefaultModel returns the model shipped with the binary.
func DefaultModel() *Model {
	m, err := defaultModel()
	if err != nil {
		panic("answer: embedded answerability.json: " + err.Error())
	}
	return m
}

// ParseModel reads a model written by Model.JSON and checks that it fits
// the features this build computes.
func ParseModel(b []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse model: %w", err)
	}
	if err := m.Ranker.check("ranker", FeatureNames); err != nil {
		return nil, err
	}
	if !equalStrings(m.Decider.Features, DecisionFeatureNames) {
		return nil, fmt.Errorf("decider features %q differ from this build's %q: retrain with `bot train`", m.Decider.Features, DecisionFeatureNames)
	}
	for _, t := range m.Decider.Trees {
		if len(t.Nodes) == 0 {
			return nil, errors.New("decider tree has no nodes")
		}
		for i, n := range t.Nodes {
			// Children come after their parent (trees are written in
			// preorder), so a walk always ends at a leaf.
			if n.Feature >= len(DecisionFeatureNames) || (n.Feature >= 0 && (n.Left <= i || n.Right <= i || n.Left >= len(t.Nodes) || n.Right >= len(t.Nodes))) {
				return nil, fmt.Errorf("decider tree node %+v is malformed", n)
			}
		}
	}
	return &m, nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (l *Logistic) check(what string, names []string) error {
	if len(l.Features) != len(names) || len(l.Weights) != len(names) || len(l.Mean) != len(names) || len(l.Scale) != len(names) {
		return fmt.Errorf("%s has %d features, this build computes %d: retrain with `bot train`", what, len(l.Features), len(names))
	}
	for i, f := range names {
		if l.Features[i] != f {
			return fmt.Errorf("%s feature %d is %q, this build's is %q: retrain with `bot train`", what, i, l.Features[i], f)
		}
		if l.Scale[i] == 0 {
			return fmt.Errorf("%s feature %q has scale 0", what, f)
		}
	}
	return nil
}

// JSON renders the model, indented, as the committed file holds it.
func (m *Model) JSON() []byte {
	b, _ := json.MarshalIndent(m, "", "  ")
	return append(b, '\n')
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// untrained is a regression with every weight zero.
func untrained(names []string) Logistic {
	d := len(names)
	l := Logistic{Features: append([]string(nil), names...), Mean: make([]float64, d), Scale: make([]float64, d), Weights: make([]float64, d)}
	for i := range l.Scale {
		l.Scale[i] = 1
	}
	return l
}

// UntrainedModel is a model with every weight zero (each sentence 0.5
// likely, threshold 0): what `bot train` starts from to compute features.
func UntrainedModel() *Model {
	return &Model{Ranker: untrained(FeatureNames), Decider: Trees{Features: append([]string(nil), DecisionFeatureNames...), Rate: treeRate}}
}
