// Package compiler turns a parsed .wf file into bytecode for package vm.
//
// Compilation has two passes over the AST. The resolver (resolve.go) binds
// every identifier: top-level let and fn names become globals (visible in
// the whole file), names declared in blocks and functions become local
// slots, locals used by an inner function become cells shared by
// reference, and the remaining names must be predeclared builtins. Codegen
// (codegen.go) then emits, per function, a flat []uint32 of instructions
// (opcode.go documents each with its stack picture), a constant pool, a
// position for every instruction, the maximum operand stack depth (from the
// stack-effect table) and debug info naming every local slot and every
// suspension point, which snapshots and tracebacks rely on.
//
// Disassemble (disasm.go) prints the result with source lines.
package compiler

import (
	"crypto/sha256"
	"sort"

	"github.com/wf-lang/wf/lang"
)

// Options configure compilation.
type Options struct {
	// Predeclared names the builtin functions a program may use: the VM's
	// standard library plus the embedder's host functions.
	Predeclared []string
	// Parse holds the parser's limits (nesting, source size, tokens) for
	// CompileSource; the zero value takes their defaults.
	Parse lang.Options
}

// Compile resolves and compiles a parsed file. All errors found are
// returned together as a sorted lang.ErrorList.
func Compile(f *lang.File, opts Options) (*Program, error) {
	prog := &Program{File: f.Name, Src: f.Src, Hash: Hash(f.Src)}
	r := &resolver{
		predecl:   opts.Predeclared,
		builtinN:  map[string]int{},
		prog:      prog,
		uses:      map[*lang.Ident]use{},
		decls:     map[*lang.Ident]*binding{},
		funcs:     map[*lang.FuncLit]*funcInfo{},
		yieldFrom: map[*lang.YieldExpr][2]*binding{},
		tryTemps:  map[*lang.Block]*binding{},
	}
	top := r.resolveFile(f)
	if len(r.errs) > 0 {
		return nil, sortErrors(r.errs)
	}
	for _, g := range r.globals {
		prog.Globals = append(prog.Globals, g.name)
		prog.Decls = append(prog.Decls, GlobalDecl{Func: -1})
	}
	c := &compiler{prog: prog, r: r, names: map[string]int{}, litCopies: map[*lang.FuncLit]int{}}
	c.newFunction(top, "<main>", "<main>", lang.Pos{File: f.Name, Line: 1, Col: 1}, f.Stmts)
	if len(c.errs) > 0 {
		return nil, sortErrors(c.errs)
	}
	return prog, nil
}

// BytecodeVersion names the instruction set. It is part of every
// program's hash, so a snapshot taken under another instruction set (whose
// pcs mean other things) is refused as a different program. Bump it with
// any change to opcodes or to code generation.
const BytecodeVersion = "wf-bytecode-5"

// Hash identifies a program: the SHA-256 of the bytecode version and the
// source text.
func Hash(src []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(BytecodeVersion))
	h.Write([]byte{0})
	h.Write(src)
	return [32]byte(h.Sum(nil))
}

// CompileSource parses src with opts.Parse and compiles it.
func CompileSource(filename string, src []byte, opts Options) (*Program, error) {
	f, err := lang.ParseWith(filename, src, opts.Parse)
	if err != nil {
		return nil, err
	}
	return Compile(f, opts)
}

func sortErrors(errs lang.ErrorList) lang.ErrorList {
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return errs
}
