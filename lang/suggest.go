// This file defines Closest, the "did you mean" of error messages.

package lang

// Closest returns the candidate nearest to name, the first of equals, if
// it is near enough to be a typo of it: at most one edit for names up to
// five bytes, a third of the length beyond, where an edit inserts,
// deletes or changes a byte or swaps two neighbours. It returns "" when
// none is, and never name itself. Compile and runtime errors use it to
// suggest a name; a language server can use it for quick fixes.
func Closest(name string, candidates []string) string {
	best, bestD := "", max(1, len(name)/3)+1
	for _, cand := range candidates {
		if d := editDistance(name, cand); d < bestD && cand != name {
			best, bestD = cand, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of adjacent bytes.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
