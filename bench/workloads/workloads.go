// Package workloads holds the benchmark programs: one file per workload and
// language (name.wf, name.lua, name.star, name.js, name.tengo) and the same
// workloads in native Go, the physical limit the interpreters are measured
// against.
//
// A script reads its size from a global N, which the harness defines in a
// one-line prelude, and reports its answer by calling the host function
// result(n) once.
package workloads

import (
	"embed"
	"io/fs"
)

//go:embed *.wf *.lua *.star *.js *.tengo
var files embed.FS

// Source returns the script of workload name in the language with file
// extension ext, and whether there is one.
func Source(name, ext string) (string, bool) {
	b, err := fs.ReadFile(files, name+"."+ext)
	if err != nil {
		return "", false
	}
	return string(b), true
}
