package main

// This file defines wf run's use of the compile cache (package progcache).

import (
	"fmt"
	"io"
	"slices"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/progcache"
)

// compileCached is compileFileWith through the compile cache: a program
// run before with the same source, path, options and wf loads from the
// cache without parsing; any other is compiled and stored. noCache (or
// WF_NO_CACHE) skips the cache.
func compileCached(path string, lim sourceFlags, extra []string, noCache bool, stderr io.Writer) (*compiler.Program, int) {
	var cache *progcache.Cache
	if !noCache {
		cache = progcache.Open()
	}
	if cache == nil {
		return compileFileWith(path, lim, extra, stderr)
	}
	src, err := readSource(path, lim.maxSource)
	if err != nil {
		fmt.Fprintf(stderr, "wf: %v\n", err)
		return nil, exitUsage
	}
	names := append(predeclared(), extra...)
	sorted := slices.Sorted(slices.Values(names)) // vm.Universe comes in map order
	flavor := fmt.Sprintf("%q %+v", sorted, lim.options())
	if p := cache.Load(path, src, flavor); p != nil {
		return p, exitOK
	}
	p, code := compileSource(path, src, lim, names, stderr)
	if p != nil {
		cache.Store(p, flavor) // best effort: the cache only saves time
	}
	return p, code
}
