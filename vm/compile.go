package vm

// This file defines Compile: one call that declares an embedder's host
// functions to the compiler and binds them to the program for New and
// Restore, so the two can never disagree.

import (
	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
)

// CompileOptions configure Compile.
type CompileOptions struct {
	// Hosts are the host functions the program may call, each a name and
	// its implementation together.
	Hosts []*Builtin
	// Parse holds the parser's limits; the zero value takes its defaults.
	Parse lang.Options
}

// Compile parses and compiles a .wf program with the standard library
// and opts.Hosts predeclared, and binds those hosts to the program: New
// and Restore of it register them without a second list. Options.Hosts,
// when given as well, adds host functions or replaces bound ones by name
// (a test's fake, say). Compile the same source with the same hosts in
// another process to Restore a snapshot there.
//
// It replaces listing each host's name in compiler.Options.Predeclared
// (next to Universe) and its implementation again in Options.Hosts, two
// lists that had to agree. A program from compiler.Compile has no bound
// hosts and works as before.
func Compile(file string, src []byte, opts CompileOptions) (*compiler.Program, error) {
	if err := checkHosts("CompileOptions.Hosts", opts.Hosts); err != nil {
		return nil, err
	}
	f, err := lang.ParseWith(file, src, opts.Parse)
	if err != nil {
		return nil, err
	}
	names := Universe()
	for _, h := range opts.Hosts {
		names = append(names, h.Name)
	}
	p, err := compiler.Compile(f, compiler.Options{Predeclared: names})
	if err != nil {
		return nil, err
	}
	sp := sharedOf(p)
	sp.hosts = make(map[string]*Builtin, len(opts.Hosts))
	for _, h := range opts.Hosts {
		sp.hosts[h.Name] = h
	}
	return p, nil
}
