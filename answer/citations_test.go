package answer

import (
	"reflect"
	"testing"
)

func TestCitations(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []int
	}{
		{"single", "Fifty-eight left [1].", []int{1}},
		{"list", "They left [1, 2].", []int{1, 2}},
		{"adjacent", "They left [2][1].", []int{2, 1}},
		{"repeat", "A [1]. B [1]. C [3].", []int{1, 3}},
		{"semicolon and spaces", "A [ 1 ;2 ].", []int{1, 2}},
		{"none", "No citation here.", nil},
		{"not a citation", "An array [a] and [] and [1x].", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Citations(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Citations(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestRenumber(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		n        int
		want     string
		wantUsed []int
	}{
		{"keeps valid", "A [1]. B [2].", 3, "A [1]. B [2].", []int{1, 2}},
		{"renumbers by first use", "A [3]. B [1].", 3, "A [1]. B [2].", []int{3, 1}},
		{"drops out of range", "A [1]. B [7].", 3, "A [1]. B.", []int{1}},
		{"drops zero", "A [0].", 3, "A.", nil},
		{"splits lists", "A [2, 1].", 2, "A [1][2].", []int{2, 1}},
		{"partly valid list", "A [1, 9].", 2, "A [1].", []int{1}},
		{"dedupes inside a marker", "A [1,1].", 2, "A [1].", []int{1}},
		{"none valid", "A [5][6].", 2, "A.", nil},
		{"a dropped marker exposes another", "A [2]. B [[9]3].", 3, "A [1]. B [2].", []int{2, 3}},
		{"exposed invalid marker", "[[0]0]", 3, "", nil},
		{"long numbers are markers too", "A [99999]. B [1].", 3, "A. B [1].", []int{1}},
		{"a number too long to read is invalid", "A [1]. B [[99999999999999999999]3].", 1, "A [1]. B.", []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, used := Renumber(tc.in, tc.n)
			if got != tc.want || !reflect.DeepEqual(used, tc.wantUsed) {
				t.Errorf("Renumber(%q, %d) = %q, %v; want %q, %v", tc.in, tc.n, got, used, tc.want, tc.wantUsed)
			}
		})
	}
}

// FuzzRenumber checks the invariants of Renumber on any input: every
// citation left in the output is in 1..len(used), used holds distinct
// passage numbers within 1..n, and renumbering the output again changes
// nothing.
func FuzzRenumber(f *testing.F) {
	for _, s := range []string{"A [1]. B [2, 3].", "[9][1]", "x [1,,2] y", "[[1]]", "[1][2][1]", "日本 [2]。", "[ 0 ]", "[99999]"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 50 {
			return
		}
		out, used := Renumber(s, n)
		seen := map[int]bool{}
		for _, u := range used {
			if u < 1 || u > n || seen[u] {
				t.Fatalf("Renumber(%q, %d): used %v has an invalid or repeated number", s, n, used)
			}
			seen[u] = true
		}
		for _, c := range Citations(out) {
			if c < 1 || c > len(used) {
				t.Fatalf("Renumber(%q, %d) = %q cites %d, only %d sources", s, n, out, c, len(used))
			}
		}
		if got := Citations(out); len(got) != len(used) {
			t.Fatalf("Renumber(%q, %d) = %q cites %v, sources %v", s, n, out, got, used)
		}
		again, used2 := Renumber(out, len(used))
		if again != out {
			t.Fatalf("Renumber not idempotent: %q then %q", out, again)
		}
		for i, u := range used2 {
			if u != i+1 {
				t.Fatalf("second Renumber(%q) used %v, want identity", out, used2)
			}
		}
	})
}
