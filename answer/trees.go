package answer

import (
	"math"
	"sort"
)

// Trees is a small gradient-boosted ensemble of regression trees for a
// binary outcome (logistic loss): the decider. Unlike a linear model it
// can learn that a question whose best sentence covers little of it is
// unanswerable even though, among questions whose sentences cover much,
// coverage says little. Features are used raw (no scaling).
type Trees struct {
	Features []string `json:"features"`
	Base     float64  `json:"base"` // log-odds before the first tree
	Rate     float64  `json:"rate"` // learning rate each tree is scaled by
	Trees    []Tree   `json:"trees"`
}

// Tree is one regression tree, its nodes in an array: node 0 is the root;
// a leaf has Feature -1.
type Tree struct {
	Nodes []Node `json:"nodes"`
}

// Node is a split (x[Feature] <= Cut goes Left, else Right) or a leaf.
type Node struct {
	Feature int     `json:"f"`
	Cut     float64 `json:"c,omitempty"`
	Left    int     `json:"l,omitempty"`
	Right   int     `json:"r,omitempty"`
	Value   float64 `json:"v,omitempty"`
}

// Prob is the probability the ensemble gives features x.
func (t *Trees) Prob(x []float64) float64 {
	z := t.Base
	for _, tr := range t.Trees {
		n := 0
		for tr.Nodes[n].Feature >= 0 {
			nd := tr.Nodes[n]
			if x[nd.Feature] <= nd.Cut {
				n = nd.Left
			} else {
				n = nd.Right
			}
		}
		z += t.Rate * tr.Nodes[n].Value
	}
	return sigmoid(z)
}

// Tree-fitting settings: small trees, many rounds, leaves with enough
// weight that one question cannot make its own rule.
const (
	treeRounds   = 150
	treeDepth    = 3
	treeRate     = 0.1
	treeMinLeaf  = 0.02 // share of the total weight a leaf must hold
	treeMaxCuts  = 32   // candidate cuts per feature (quantiles)
	treeLeafL2   = 1.0  // ridge on leaf values
	treeMinGainK = 1e-6
)

// fitTrees fits the ensemble by Newton boosting on weighted rows.
func fitTrees(names []string, rows [][]float64, ys, ws []float64) Trees {
	var wsum, pos float64
	for i := range ys {
		wsum += ws[i]
		pos += ws[i] * ys[i]
	}
	p0 := math.Min(math.Max(pos/wsum, 1e-6), 1-1e-6)
	t := Trees{Features: append([]string(nil), names...), Base: math.Log(p0 / (1 - p0)), Rate: treeRate}
	cuts := make([][]float64, len(names))
	for j := range names {
		cuts[j] = quantileCuts(rows, j)
	}
	z := make([]float64, len(rows))
	for i := range z {
		z[i] = t.Base
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	minLeaf := treeMinLeaf * wsum
	for r := 0; r < treeRounds; r++ {
		g := make([]float64, len(rows))
		h := make([]float64, len(rows))
		for i := range rows {
			p := sigmoid(z[i])
			g[i] = ws[i] * (p - ys[i])
			h[i] = ws[i] * math.Max(p*(1-p), 1e-6)
		}
		var tr Tree
		grow(&tr, rows, g, h, ws, idx, cuts, 0, minLeaf)
		for i, x := range rows {
			z[i] += treeRate * leafValue(tr, x)
		}
		t.Trees = append(t.Trees, tr)
	}
	return t
}

func leafValue(tr Tree, x []float64) float64 {
	n := 0
	for tr.Nodes[n].Feature >= 0 {
		if x[tr.Nodes[n].Feature] <= tr.Nodes[n].Cut {
			n = tr.Nodes[n].Left
		} else {
			n = tr.Nodes[n].Right
		}
	}
	return tr.Nodes[n].Value
}

// grow adds the subtree for rows idx to tr and returns its node index.
func grow(tr *Tree, rows [][]float64, g, h, ws []float64, idx []int, cuts [][]float64, depth int, minLeaf float64) int {
	var G, H float64
	for _, i := range idx {
		G += g[i]
		H += h[i]
	}
	me := len(tr.Nodes)
	tr.Nodes = append(tr.Nodes, Node{Feature: -1, Value: -G / (H + treeLeafL2)})
	if depth == treeDepth {
		return me
	}
	parent := G * G / (H + treeLeafL2)
	bestGain, bestF, bestCut := treeMinGainK, -1, 0.0
	for j := range cuts {
		for _, c := range cuts[j] {
			var gl, hl, wl, wr float64
			for _, i := range idx {
				if rows[i][j] <= c {
					gl += g[i]
					hl += h[i]
					wl += ws[i]
				} else {
					wr += ws[i]
				}
			}
			if wl < minLeaf || wr < minLeaf {
				continue
			}
			gr, hr := G-gl, H-hl
			gain := gl*gl/(hl+treeLeafL2) + gr*gr/(hr+treeLeafL2) - parent
			if gain > bestGain {
				bestGain, bestF, bestCut = gain, j, c
			}
		}
	}
	if bestF < 0 {
		return me
	}
	var left, right []int
	for _, i := range idx {
		if rows[i][bestF] <= bestCut {
			left = append(left, i)
		} else {
			right = append(right, i)
		}
	}
	l := grow(tr, rows, g, h, ws, left, cuts, depth+1, minLeaf)
	r := grow(tr, rows, g, h, ws, right, cuts, depth+1, minLeaf)
	tr.Nodes[me] = Node{Feature: bestF, Cut: bestCut, Left: l, Right: r}
	return me
}

// quantileCuts returns about treeMaxCuts (fewer than twice as many) cut
// points for feature j: midpoints between distinct values, evenly spaced
// among them.
func quantileCuts(rows [][]float64, j int) []float64 {
	vals := make([]float64, len(rows))
	for i, x := range rows {
		vals[i] = x[j]
	}
	sort.Float64s(vals)
	var distinct []float64
	for i, v := range vals {
		if i == 0 || v != vals[i-1] {
			distinct = append(distinct, v)
		}
	}
	if len(distinct) < 2 {
		return nil
	}
	var out []float64
	step := max(1, len(distinct)/treeMaxCuts)
	for i := step; i < len(distinct); i += step {
		out = append(out, (distinct[i-1]+distinct[i])/2)
	}
	return out
}
