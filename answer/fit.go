package answer

import (
	"errors"
	"math"
)

// Fitting the ranker: a conditional logit by Newton's method.

// fitRanker fits the ranker as a conditional logit: within each
// question, a softmax over its candidates, trained to put the weight on
// the candidates that answer (shared equally among them). Only the
// order of candidates matters to it, so it has no bias. Newton's method
// with the softmax covariance as the Hessian, on standardised features,
// with a ridge penalty.
func fitRanker(names []string, groups []Example, l2 float64) (Logistic, error) {
	d := len(names)
	var rows [][]float64
	for _, g := range groups {
		rows = append(rows, g.X...)
	}
	if len(rows) == 0 {
		return Logistic{}, errors.New("no answerable question with an answering candidate")
	}
	m := standardised(names, rows)
	zs := make([][][]float64, len(groups))
	for gi, g := range groups {
		for _, x := range g.X {
			z := make([]float64, d)
			for j := range x {
				z[j] = (x[j] - m.Mean[j]) / m.Scale[j]
			}
			zs[gi] = append(zs[gi], z)
		}
	}
	// loss is the penalised negative log-likelihood; with grad and hess
	// it also returns the gradient and Hessian (the softmax covariance).
	loss := func(w []float64, grad []float64, h [][]float64) float64 {
		var total float64
		for gi, g := range groups {
			z := zs[gi]
			scores := make([]float64, len(z))
			top := math.Inf(-1)
			for i, x := range z {
				for j, v := range x {
					scores[i] += w[j] * v
				}
				top = max(top, scores[i])
			}
			var sum float64
			for i := range scores {
				sum += math.Exp(scores[i] - top)
			}
			npos := 0
			for _, y := range g.Y {
				if y {
					npos++
				}
			}
			gw := g.weight()
			mean := make([]float64, d)
			ps := make([]float64, len(z))
			for i, x := range z {
				ps[i] = math.Exp(scores[i]-top) / sum
				t := 0.0
				if g.Y[i] {
					t = 1 / float64(npos)
					total -= gw * t * (scores[i] - top - math.Log(sum))
				}
				if grad != nil {
					for j, v := range x {
						grad[j] += gw * (ps[i] - t) * v
						mean[j] += ps[i] * v
					}
				}
			}
			if h != nil {
				for i, x := range z {
					for j := 0; j < d; j++ {
						for k := j; k < d; k++ {
							h[j][k] += gw * ps[i] * (x[j] - mean[j]) * (x[k] - mean[k])
						}
					}
				}
			}
		}
		for j := 0; j < d; j++ {
			total += l2 / 2 * w[j] * w[j]
			if grad != nil {
				grad[j] += l2 * w[j]
			}
			if h != nil {
				for k := 0; k < j; k++ {
					h[j][k] = h[k][j]
				}
				h[j][j] += l2
			}
		}
		return total
	}
	w, err := newton(d, loss)
	if err != nil {
		return Logistic{}, err
	}
	copy(m.Weights, w)
	return m, nil
}

// standardised is an untrained regression whose means and scales
// standardise rows.
func standardised(names []string, rows [][]float64) Logistic {
	m := untrained(names)
	for j := range names {
		var s, ss float64
		for _, x := range rows {
			s += x[j]
		}
		mean := s / float64(len(rows))
		for _, x := range rows {
			ss += (x[j] - mean) * (x[j] - mean)
		}
		m.Mean[j] = mean
		m.Scale[j] = math.Sqrt(ss / float64(len(rows)))
		if m.Scale[j] < 1e-9 {
			m.Scale[j] = 1
		}
	}
	return m
}

// newton minimises a convex loss in n variables from zero by Newton's
// method, halving a step that does not lower the loss. loss(w, g, h) adds
// the gradient to g and the Hessian to h when they are not nil.
func newton(n int, loss func(w, g []float64, h [][]float64) float64) ([]float64, error) {
	w := make([]float64, n)
	cur := loss(w, nil, nil)
	for iter := 0; iter < 100; iter++ {
		g := make([]float64, n)
		h := make([][]float64, n)
		for j := range h {
			h[j] = make([]float64, n)
		}
		loss(w, g, h)
		step, err := solve(h, g)
		if err != nil {
			return nil, err
		}
		next := make([]float64, n)
		improved := false
		for t := 1.0; t > 1e-6; t /= 2 {
			for j := range w {
				next[j] = w[j] - t*step[j]
			}
			if l := loss(next, nil, nil); l < cur {
				cur, improved = l, true
				break
			}
		}
		if !improved {
			break
		}
		var norm float64
		for j := range w {
			norm += (next[j] - w[j]) * (next[j] - w[j])
		}
		copy(w, next)
		if math.Sqrt(norm) < 1e-9 {
			break
		}
	}
	return w, nil
}

// solve solves a x = b for a symmetric positive definite a by Gaussian
// elimination with partial pivoting.
func solve(a [][]float64, b []float64) ([]float64, error) {
	n := len(b)
	m := make([][]float64, n)
	for i := range a {
		m[i] = append(append([]float64(nil), a[i]...), b[i])
	}
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if math.Abs(m[p][c]) < 1e-12 {
			return nil, errors.New("singular system")
		}
		m[c], m[p] = m[p], m[c]
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k <= n; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x, nil
}
