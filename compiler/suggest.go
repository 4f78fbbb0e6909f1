package compiler

// This file defines the "did you mean" hint of an undefined name.

import "github.com/wf-lang/wf/lang"

// undefined reports id as undefined, with a hint naming the closest name
// that is visible there (a local, a global or a builtin), if one is close
// enough to be a typo: at most one edit for names up to five bytes, a
// third of the length beyond, counting a swap of two neighbours as one.
// It runs only when compilation already fails, so it may take its time.
func (r *resolver) undefined(id *lang.Ident) {
	e := &lang.Error{Pos: id.Pos, Msg: "undefined: " + id.Name}
	if s := r.closest(id.Name); s != "" {
		e.Notes = []lang.Note{{Msg: "help: did you mean " + s + "?"}}
	}
	r.errs = append(r.errs, e)
}

// closest returns the visible name nearest to name, innermost scope
// first on a tie, or "" if none is near enough.
func (r *resolver) closest(name string) string {
	best, bestD := "", max(1, len(name)/3)+1
	try := func(cand string) {
		if d := editDistance(name, cand); d < bestD && cand != name {
			best, bestD = cand, d
		}
	}
	for i := len(r.blocks) - 1; i >= 0; i-- {
		for cand := range r.blocks[i] {
			try(cand)
		}
	}
	for _, cand := range r.predecl {
		try(cand)
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
