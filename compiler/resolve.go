package compiler

// This file defines the resolver: the pass that binds every identifier to
// a local slot, a captured cell, a global or a builtin, before codegen.

import (
	"fmt"
	"slices"

	"github.com/wf-lang/wf/lang"
)

// Scope says where a binding lives at run time.
type Scope uint8

// The binding scopes.
const (
	Local   Scope = iota // a slot of the function's frame
	Free                 // a cell captured from an enclosing function
	Global               // a slot of the program's globals
	Builtin              // a predeclared function
)

// binding is one declared name.
type binding struct {
	name     string
	scope    Scope // Local or Global (Free is a per-use property)
	index    int   // local slot or global slot
	captured bool  // a Local that some inner function uses: it lives in a cell
	fn       *funcInfo
	decl     lang.Pos
}

// use is how one identifier occurrence resolved.
type use struct {
	scope Scope
	index int // slot, free index, global slot, or builtin index
	b     *binding
}

// funcInfo collects what the resolver learns about one function.
type funcInfo struct {
	lit       *lang.FuncLit // nil for the top level
	parent    *funcInfo
	locals    []*binding // by slot
	free      []*binding // captured from enclosing functions, by free index
	freeIndex map[*binding]int
	generator bool
	hidden    int // count of compiler temporaries, named "$N"
}

// resolver walks the AST once, maintaining a stack of block scopes.
type resolver struct {
	fn        *funcInfo
	blocks    []map[string]*binding // innermost last; the top level's first block holds globals
	globals   []*binding
	predecl   []string       // Options.Predeclared, searched on first use of a name
	builtinN  map[string]int // predeclared names used so far, by index in Program.Builtins
	prog      *Program
	uses      map[*lang.Ident]use
	decls     map[*lang.Ident]*binding // the binding each declaring identifier creates
	funcs     map[*lang.FuncLit]*funcInfo
	yieldFrom map[*lang.YieldExpr][2]*binding // hidden locals of each yield from
	tryTemps  map[*lang.Block]*binding        // hidden local holding the throw a finally rethrows
	errs      lang.ErrorList
}

func (r *resolver) errorf(pos lang.Pos, format string, args ...any) {
	r.errs = append(r.errs, &lang.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// resolveFile resolves a whole file. Top-level let and fn names become
// globals, visible everywhere in the file (so functions may call functions
// declared after them); names in nested blocks and functions are locals.
func (r *resolver) resolveFile(f *lang.File) *funcInfo {
	top := &funcInfo{}
	r.fn = top
	globals := map[string]*binding{}
	for _, s := range f.Stmts {
		var id *lang.Ident
		switch s := s.(type) {
		case *lang.LetStmt:
			id = s.Name
		case *lang.FnDecl:
			id = s.Name
		default:
			continue
		}
		if prev, ok := globals[id.Name]; ok {
			r.errorf(id.Pos, "%s redeclared (previous declaration at %s)", id.Name, prev.decl)
			r.decls[id] = prev // so declare does not report it a second time
			continue
		}
		b := &binding{name: id.Name, scope: Global, index: len(r.globals), decl: id.Pos}
		globals[id.Name] = b
		r.globals = append(r.globals, b)
		r.decls[id] = b
	}
	r.blocks = []map[string]*binding{globals}
	for _, s := range f.Stmts {
		r.stmt(s)
	}
	return top
}

// declare binds id in the innermost block of the current function.
func (r *resolver) declare(id *lang.Ident) *binding {
	if b, ok := r.decls[id]; ok { // a global pre-declared by resolveFile
		return b
	}
	block := r.blocks[len(r.blocks)-1]
	if prev, ok := block[id.Name]; ok {
		r.errorf(id.Pos, "%s redeclared in this block (previous declaration at %s)", id.Name, prev.decl)
	}
	b := &binding{name: id.Name, scope: Local, index: len(r.fn.locals), fn: r.fn, decl: id.Pos}
	r.fn.locals = append(r.fn.locals, b)
	block[id.Name] = b
	r.decls[id] = b
	return b
}

// hiddenLocal allocates a compiler temporary slot in the current function.
func (r *resolver) hiddenLocal() *binding {
	r.fn.hidden++
	b := &binding{name: fmt.Sprintf("$%d", r.fn.hidden), scope: Local, index: len(r.fn.locals), fn: r.fn}
	r.fn.locals = append(r.fn.locals, b)
	return b
}

func (r *resolver) push() { r.blocks = append(r.blocks, map[string]*binding{}) }
func (r *resolver) pop()  { r.blocks = r.blocks[:len(r.blocks)-1] }

// lookup resolves an identifier occurrence.
func (r *resolver) lookup(id *lang.Ident) {
	for i := len(r.blocks) - 1; i >= 0; i-- {
		b, ok := r.blocks[i][id.Name]
		if !ok {
			continue
		}
		if b.scope == Global {
			r.uses[id] = use{scope: Global, index: b.index, b: b}
			return
		}
		if b.fn == r.fn {
			r.uses[id] = use{scope: Local, index: b.index, b: b}
			return
		}
		b.captured = true
		r.uses[id] = use{scope: Free, index: r.capture(r.fn, b), b: b}
		return
	}
	if r.predeclared(id.Name) {
		r.uses[id] = use{scope: Builtin, index: int(intern(r.builtinN, &r.prog.Builtins, id.Name))}
		return
	}
	r.undefined(id)
}

// predeclared reports whether name is a builtin the program may use. A
// linear search on a name's first use is cheaper than building a set of
// the whole standard library for every compilation, since a program uses
// few builtins (and startup latency counts for embedders).
func (r *resolver) predeclared(name string) bool {
	if _, ok := r.builtinN[name]; ok {
		return true
	}
	return slices.Contains(r.predecl, name)
}

// capture makes b available as a free variable of fn, threading it through
// every function between b's and fn, and returns its free index in fn.
func (r *resolver) capture(fn *funcInfo, b *binding) int {
	if i, ok := fn.freeIndex[b]; ok {
		return i
	}
	if fn.parent != b.fn {
		r.capture(fn.parent, b)
	}
	if fn.freeIndex == nil {
		fn.freeIndex = map[*binding]int{}
	}
	i := len(fn.free)
	fn.freeIndex[b] = i
	fn.free = append(fn.free, b)
	return i
}

func (r *resolver) block(b *lang.Block) {
	r.push()
	for _, s := range b.Stmts {
		r.stmt(s)
	}
	r.pop()
}

func (r *resolver) stmt(s lang.Stmt) {
	switch s := s.(type) {
	case *lang.Block:
		r.block(s)
	case *lang.LetStmt:
		if s.Value != nil {
			r.expr(s.Value)
		}
		r.declare(s.Name)
	case *lang.FnDecl:
		r.declare(s.Name) // before the body, so the function can call itself
		r.funcLit(s.Func)
	case *lang.AssignStmt:
		r.assignTarget(s.Target)
		r.expr(s.Value)
	case *lang.ExprStmt:
		r.expr(s.X)
	case *lang.IfStmt:
		r.expr(s.Cond)
		r.block(s.Then)
		if s.Else != nil {
			r.stmt(s.Else)
		}
	case *lang.WhileStmt:
		r.expr(s.Cond)
		r.block(s.Body)
	case *lang.ForStmt:
		r.expr(s.Iter)
		r.push()
		r.declare(s.Key)
		if s.Value != nil {
			r.declare(s.Value)
		}
		r.block(s.Body)
		r.pop()
	case *lang.BranchStmt:
	case *lang.ReturnStmt:
		if r.fn.lit == nil {
			r.errorf(s.Pos, "return outside a function")
		}
		if s.Value != nil {
			r.expr(s.Value)
		}
	case *lang.ThrowStmt:
		r.expr(s.Value)
	case *lang.TryStmt:
		r.tryStmt(s)
	default:
		panic(fmt.Sprintf("resolver: unexpected statement %T", s))
	}
}

func (r *resolver) tryStmt(s *lang.TryStmt) {
	r.block(s.Body)
	if s.Catch != nil {
		r.push()
		if s.CatchName != nil {
			r.declare(s.CatchName)
		}
		r.block(s.Catch)
		r.pop()
	}
	if s.Finally != nil {
		r.tryTemps[s.Finally] = r.hiddenLocal()
		r.block(s.Finally)
	}
}

func (r *resolver) assignTarget(e lang.Expr) {
	switch e := e.(type) {
	case *lang.Ident:
		r.lookup(e)
		if u, ok := r.uses[e]; ok && u.scope == Builtin {
			r.errorf(e.Pos, "cannot assign to builtin %s", e.Name)
		}
	case *lang.IndexExpr, *lang.DotExpr:
		r.expr(e)
	default:
		r.errorf(e.Position(), "cannot assign to this expression")
	}
}

func (r *resolver) funcLit(f *lang.FuncLit) {
	info := &funcInfo{lit: f, parent: r.fn}
	r.funcs[f] = info
	saved := r.fn
	r.fn = info
	r.push()
	for _, p := range f.Params {
		r.declare(p)
	}
	for _, s := range f.Body.Stmts {
		r.stmt(s)
	}
	r.pop()
	r.fn = saved
}

func (r *resolver) expr(e lang.Expr) {
	switch e := e.(type) {
	case *lang.Ident:
		r.lookup(e)
	case *lang.NilLit, *lang.BoolLit, *lang.IntLit, *lang.FloatLit, *lang.StringLit:
	case *lang.InterpString:
		for _, p := range e.Parts {
			r.expr(p)
		}
	case *lang.ListLit:
		for _, x := range e.Elems {
			r.expr(x)
		}
	case *lang.MapLit:
		for _, en := range e.Entries {
			r.expr(en.Key)
			r.expr(en.Value)
		}
	case *lang.FuncLit:
		r.funcLit(e)
	case *lang.UnaryExpr:
		r.expr(e.X)
	case *lang.BinaryExpr:
		r.expr(e.X)
		r.expr(e.Y)
	case *lang.CallExpr:
		r.expr(e.Fn)
		for _, a := range e.Args {
			r.expr(a)
		}
	case *lang.IndexExpr:
		r.expr(e.X)
		r.expr(e.Index)
	case *lang.SliceExpr:
		r.expr(e.X)
		if e.Lo != nil {
			r.expr(e.Lo)
		}
		if e.Hi != nil {
			r.expr(e.Hi)
		}
	case *lang.DotExpr:
		r.expr(e.X)
	case *lang.YieldExpr:
		if r.fn.lit == nil {
			r.errorf(e.Pos, "yield outside a function")
		}
		r.fn.generator = true
		if e.Value != nil {
			r.expr(e.Value)
		}
		if e.From {
			r.yieldFrom[e] = [2]*binding{r.hiddenLocal(), r.hiddenLocal()}
		}
	default:
		panic(fmt.Sprintf("resolver: unexpected expression %T", e))
	}
}
