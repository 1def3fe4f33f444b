package answer

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"
)

// syntheticExamples makes questions whose answering candidate stands out
// on the first feature (exact coverage), and unanswerable questions whose
// best candidate covers little: what the model has to learn, small.
func syntheticExamples(n int, seed int64) []Example {
	rng := rand.New(rand.NewSource(seed))
	var exs []Example
	for i := 0; i < n; i++ {
		ex := Example{ID: fmt.Sprintf("q%d", i), Answerable: i%2 == 0}
		for c := 0; c < 6; c++ {
			x := make([]float64, len(FeatureNames))
			for j := range x {
				x[j] = rng.Float64()
			}
			x[0] = rng.Float64() * 0.5
			y := ex.Answerable && c == 0
			if y {
				x[0] = 0.6 + rng.Float64()*0.4
			}
			ex.X = append(ex.X, x)
			ex.Y = append(ex.Y, y)
		}
		exs = append(exs, ex)
	}
	return exs
}

func TestTrainLearnsAndIsDeterministic(t *testing.T) {
	exs := syntheticExamples(200, 1)
	m, err := Train(exs, TrainOptions{TargetFalseRefusal: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Train(exs, TrainOptions{TargetFalseRefusal: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.JSON(), again.JSON()) {
		t.Fatal("two trainings on the same examples gave different models")
	}
	if m.Training.RankerTop1 < 0.95 {
		t.Errorf("ranker top-1 = %v, want the answering candidate found", m.Training.RankerTop1)
	}
	if m.Training.FalseRefusal > 0.05 {
		t.Errorf("out-of-fold false refusal = %v, want at most the 0.05 target", m.Training.FalseRefusal)
	}
	// On fresh questions of the same kind: answerable ones are answered,
	// the others mostly refused.
	var answered, refused, pos, neg int
	for _, ex := range syntheticExamples(200, 2) {
		p := m.decide(ex.X)
		if ex.Answerable {
			pos++
			if p >= m.Threshold {
				answered++
			}
		} else {
			neg++
			if p < m.Threshold {
				refused++
			}
		}
	}
	if float64(answered)/float64(pos) < 0.9 || float64(refused)/float64(neg) < 0.8 {
		t.Errorf("held out: answered %d/%d answerable, refused %d/%d unanswerable", answered, pos, refused, neg)
	}
	if _, err := ParseModel(m.JSON()); err != nil {
		t.Errorf("a trained model does not parse back: %v", err)
	}
}

// TestTreesLearnAnInteraction: the decider can learn what a linear model
// cannot (answerable only when both features are high, or both low).
func TestTreesLearnAnInteraction(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	var rows [][]float64
	var ys, ws []float64
	for i := 0; i < 2000; i++ {
		a, b := rng.Float64(), rng.Float64()
		rows = append(rows, []float64{a, b})
		ys = append(ys, b2f((a > 0.5) == (b > 0.5)))
		ws = append(ws, 1)
	}
	tr := fitTrees([]string{"a", "b"}, rows, ys, ws)
	right := 0
	for i, x := range rows {
		if (tr.Prob(x) > 0.5) == (ys[i] == 1) {
			right++
		}
	}
	if acc := float64(right) / float64(len(rows)); acc < 0.9 {
		t.Errorf("trees fit the interaction with accuracy %v, want ≥ 0.9", acc)
	}
}
