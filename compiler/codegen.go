package compiler

// This file defines codegen: the pass from resolved AST to bytecode.

import (
	"fmt"

	"github.com/wf-lang/wf/lang"
)

// label is a forward jump target: the pcs of jumps waiting for it.
type label struct {
	pc      int
	patches []int
}

// loopInfo is an enclosing loop, for break and continue.
type loopInfo struct {
	isFor     bool // a for loop keeps its iterator on the stack
	tries     int  // len(fcomp.tries) when the loop started
	breaks    *label
	continues *label
}

// tryInfo is an enclosing try block, for break, continue and return,
// which must remove its handler and run its finally body on the way out.
type tryInfo struct {
	finally *lang.Block // nil when there is none
	handler bool        // false for a catch body: its handler is gone
}

// fcomp is the state of compiling one function.
type fcomp struct {
	c      *compiler
	fn     *Function
	info   *funcInfo
	pos    lang.Pos
	consts map[Constant]int
	loops  []*loopInfo
	tries  []tryInfo
	locals map[*binding]int // index into fn.Locals of the live debug entry
	names  *pointNames      // ids of the function's points and nested functions
	// observed is the last pc handed out by pc(); see mergeLocal.
	observed int
}

type compiler struct {
	prog      *Program
	r         *resolver
	names     map[string]int
	errs      lang.ErrorList
	litCopies map[*lang.FuncLit]int // times each literal was compiled
}

func (c *compiler) errorf(pos lang.Pos, format string, args ...any) {
	c.errs = append(c.errs, &lang.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (c *compiler) nameIndex(name string) uint32 { return intern(c.names, &c.prog.Names, name) }

// intern returns k's index in list, appending it on first sight; index
// remembers the positions.
func intern[K comparable](index map[K]int, list *[]K, k K) uint32 {
	if i, ok := index[k]; ok {
		return uint32(i)
	}
	index[k] = len(*list)
	*list = append(*list, k)
	return uint32(len(*list) - 1)
}

// newFunction compiles one function body; stmts are the top level's or
// the function literal's.
func (c *compiler) newFunction(info *funcInfo, id, name string, pos lang.Pos, stmts []lang.Stmt) *Function {
	fn := &Function{ID: id, Name: name, Pos: pos, Index: len(c.prog.Funcs), Generator: info.generator}
	c.prog.Funcs = append(c.prog.Funcs, fn)
	fc := &fcomp{c: c, fn: fn, info: info, pos: pos, consts: map[Constant]int{}, locals: map[*binding]int{}}
	fc.names = namePoints(id, stmts)
	if lit := info.lit; lit != nil {
		fn.NumParams = len(lit.Params)
		for _, p := range lit.Params {
			if b := c.r.decls[p]; b.captured {
				fc.at(p.Pos)
				fc.emit(MAKECELL, uint32(b.index))
			}
		}
		for _, p := range lit.Params { // live once their cells exist
			fc.declared(c.r.decls[p])
		}
	}
	for _, s := range stmts {
		fc.stmt(s)
	}
	fc.pos = endPos(info, pos, stmts)
	if info.lit == nil || len(fn.Code) == 0 || !endsFlow(fn.Code[len(fn.Code)-1]) || jumpsToEnd(fn.Code) {
		fc.emit(NIL, 0)
		fc.emit(RETURN, 0)
	}
	fc.closeLocals(info.locals)
	fn.NumLocals = len(info.locals)
	for _, b := range info.free {
		fn.FreeNames = append(fn.FreeNames, b.name)
	}
	fn.MaxStack = c.maxStack(fn)
	return fn
}

// endPos is where a function's implicit return is reported: its closing
// brace, or the start of the top level's last statement.
func endPos(info *funcInfo, pos lang.Pos, stmts []lang.Stmt) lang.Pos {
	if info.lit != nil && info.lit.Body != nil {
		return info.lit.Body.End
	}
	if len(stmts) > 0 {
		return stmts[len(stmts)-1].Position()
	}
	return pos
}

func endsFlow(ins uint32) bool {
	op, _ := Decode(ins)
	return op == RETURN || op == THROW || op == RETHROW || op == JMP
}

// jumpsToEnd reports whether some jump or handler targets the pc just past
// code: a label placed after the last instruction (the end of an if whose
// body returns, a loop's break) still needs the implicit return there.
func jumpsToEnd(code []uint32) bool {
	for _, ins := range code {
		op, arg := Decode(ins)
		if _, ok := JumpEffect(op); (ok || op == TRY) && int(arg) == len(code) {
			return true
		}
	}
	return false
}

func (fc *fcomp) emit(op Opcode, arg uint32) int {
	if arg > MaxArg {
		fc.c.errorf(fc.pos, "function too large: operand %d out of range", arg)
		arg = 0
	}
	if op == LOCAL && fc.mergeLocal(arg) {
		return len(fc.fn.Code) - 1
	}
	fc.fn.Code = append(fc.fn.Code, Encode(op, arg))
	fc.fn.Lines = append(fc.fn.Lines, Position{Line: int32(fc.pos.Line), Col: int32(fc.pos.Col)})
	return len(fc.fn.Code) - 1
}

// mergeLocal turns a LOCAL just after another LOCAL into one LOCAL2, and
// reports whether it did. It must not when something may refer to the pc
// between them (a jump target, a live range): every such pc is observed
// through fc.pc(), which marks it.
func (fc *fcomp) mergeLocal(b uint32) bool {
	n := len(fc.fn.Code)
	if n == 0 || fc.observed == n || b > 0xfff {
		return false
	}
	op, a := Decode(fc.fn.Code[n-1])
	if op != LOCAL || a > 0xfff {
		return false
	}
	fc.fn.Code[n-1] = Encode(LOCAL2, a<<12|b)
	return true
}

func (fc *fcomp) at(pos lang.Pos) { fc.pos = pos }

// pc returns the next instruction's pc, and keeps the instruction emitted
// there from merging into the one before (see mergeLocal).
func (fc *fcomp) pc() int {
	fc.observed = len(fc.fn.Code)
	return fc.observed
}

// jump emits a jump to l, patched when l is placed.
func (fc *fcomp) jump(op Opcode, l *label) {
	fc.emit(op, 0)
	l.patches = append(l.patches, fc.pc()-1)
}

// place sets l to the current pc and patches the jumps waiting for it.
func (fc *fcomp) place(l *label) {
	l.pc = fc.pc()
	for _, p := range l.patches {
		op, _ := Decode(fc.fn.Code[p])
		fc.fn.Code[p] = Encode(op, uint32(l.pc))
	}
}

func (fc *fcomp) constant(k Constant) uint32 { return intern(fc.consts, &fc.fn.Consts, k) }

// declared records the start of a local's live range in the debug info.
func (fc *fcomp) declared(b *binding) {
	if b.scope != Local {
		return
	}
	fc.locals[b] = len(fc.fn.Locals)
	fc.fn.Locals = append(fc.fn.Locals, LocalInfo{Name: b.name, Slot: b.index, Start: fc.pc(), End: -1, Cell: b.captured})
}

// closeLocals ends the live ranges of the given bindings at the current pc.
func (fc *fcomp) closeLocals(bs []*binding) {
	for _, b := range bs {
		if i, ok := fc.locals[b]; ok && fc.fn.Locals[i].End < 0 {
			fc.fn.Locals[i].End = fc.pc()
		}
	}
}

// store emits the store of the value on top of the stack into b.
func (fc *fcomp) storeBinding(b *binding, u use) {
	switch u.scope {
	case Global:
		fc.emit(SETGLOBAL, uint32(u.index))
	case Free:
		fc.emit(SETFREE, uint32(u.index))
	case Local:
		if b.captured {
			fc.emit(SETCELL, uint32(u.index))
		} else {
			fc.emit(SETLOCAL, uint32(u.index))
		}
	}
}

// define stores the value on top of the stack into a newly declared name:
// a global, a plain local, or a local that a closure captures (which gets
// a fresh cell each time the declaration runs).
func (fc *fcomp) define(id *lang.Ident) {
	b := fc.c.r.decls[id]
	if b.scope == Global {
		fc.c.declareGlobal(b.index, id.Pos, -1)
		fc.emit(SETGLOBAL, uint32(b.index))
		return
	}
	fc.emit(SETLOCAL, uint32(b.index))
	if b.captured {
		fc.emit(MAKECELL, uint32(b.index))
	}
	fc.declared(b)
}

// load emits the load of an identifier.
func (fc *fcomp) load(id *lang.Ident) {
	u := fc.c.r.uses[id]
	switch u.scope {
	case Global:
		fc.emit(GLOBAL, uint32(u.index))
	case Free:
		fc.emit(FREE, uint32(u.index))
	case Builtin:
		fc.emit(BUILTIN, uint32(u.index))
	case Local:
		if u.b.captured {
			fc.emit(CELL, uint32(u.index))
		} else {
			fc.emit(LOCAL, uint32(u.index))
		}
	}
}

func (fc *fcomp) block(b *lang.Block) {
	before := len(fc.fn.Locals)
	for _, s := range b.Stmts {
		fc.stmt(s)
	}
	fc.at(b.End)
	for i := before; i < len(fc.fn.Locals); i++ {
		if fc.fn.Locals[i].End < 0 && !fc.isParam(fc.fn.Locals[i].Slot) {
			fc.fn.Locals[i].End = fc.pc()
		}
	}
}

func (fc *fcomp) isParam(slot int) bool { return slot < fc.fn.NumParams }

func (fc *fcomp) stmt(s lang.Stmt) {
	switch s := s.(type) {
	case *lang.Block:
		fc.block(s)
	case *lang.LetStmt:
		if s.Value != nil {
			fc.expr(s.Value)
		} else {
			fc.at(s.Pos)
			fc.emit(NIL, 0)
		}
		fc.at(s.Pos)
		fc.define(s.Name)
	case *lang.FnDecl:
		fc.fnDecl(s)
	case *lang.AssignStmt:
		fc.assign(s)
	case *lang.ExprStmt:
		fc.expr(s.X)
		fc.emit(POP, 0)
	case *lang.IfStmt:
		fc.ifStmt(s)
	case *lang.WhileStmt:
		fc.whileStmt(s)
	case *lang.ForStmt:
		fc.forStmt(s)
	case *lang.BranchStmt:
		fc.branch(s)
	case *lang.ReturnStmt:
		fc.returnStmt(s)
	case *lang.ThrowStmt:
		fc.expr(s.Value)
		fc.at(s.Pos)
		fc.emit(THROW, 0)
	case *lang.TryStmt:
		fc.tryStmt(s)
	default:
		panic(fmt.Sprintf("codegen: unexpected statement %T", s))
	}
}

func (fc *fcomp) fnDecl(s *lang.FnDecl) {
	b := fc.c.r.decls[s.Name]
	fc.at(s.Pos)
	if b.scope == Local && b.captured {
		// The closure captures its own cell, so the cell must exist first.
		fc.emit(NIL, 0)
		fc.emit(SETLOCAL, uint32(b.index))
		fc.emit(MAKECELL, uint32(b.index))
		fc.declared(b)
		fc.funcLit(s.Func)
		fc.emit(SETCELL, uint32(b.index))
		return
	}
	fn := fc.funcLit(s.Func)
	if b.scope == Global {
		fc.c.declareGlobal(b.index, s.Pos, fn)
	}
	fc.define(s.Name)
}

var compoundOps = map[string]Opcode{"+=": ADD, "-=": SUB, "*=": MUL, "/=": DIV, "%=": MOD}

func (fc *fcomp) assign(s *lang.AssignStmt) {
	op, compound := compoundOps[s.Op]
	switch t := s.Target.(type) {
	case *lang.Ident:
		u := fc.c.r.uses[t]
		if !compound {
			op, s = selfUpdate(t, u, s)
			compound = op != 0
		}
		if compound && fc.addLocal(t, u, op, s.Value) {
			return
		}
		if compound {
			fc.load(t)
		}
		fc.expr(s.Value)
		fc.at(s.Pos)
		if compound {
			fc.emit(op, 0)
		}
		fc.storeBinding(u.b, u)
	case *lang.IndexExpr:
		fc.expr(t.X)
		fc.expr(t.Index)
		if compound {
			fc.emit(DUP2, 0)
			fc.at(t.Pos)
			fc.emit(INDEX, 0)
		}
		fc.expr(s.Value)
		fc.at(s.Pos)
		if compound {
			fc.emit(op, 0)
		}
		fc.emit(SETINDEX, 0)
	case *lang.DotExpr:
		name := fc.c.nameIndex(t.Name)
		fc.expr(t.X)
		if compound {
			fc.emit(DUP, 0)
			fc.at(t.Pos)
			fc.emit(ATTR, name)
		}
		fc.expr(s.Value)
		fc.at(s.Pos)
		if compound {
			fc.emit(op, 0)
		}
		fc.emit(SETATTR, name)
	}
}

// selfUpdate rewrites "x = x + e" on a plain local into "x += e" (and
// likewise for -), so it can use INCLOCAL or ADDLOCAL. It returns op 0
// when the statement has another shape. e must not contain a yield: while
// suspended there, x could be edited from outside, and x + e reads x first.
func selfUpdate(t *lang.Ident, u use, s *lang.AssignStmt) (Opcode, *lang.AssignStmt) {
	b, ok := s.Value.(*lang.BinaryExpr)
	if !ok || (b.Op != "+" && b.Op != "-") || u.scope != Local || u.b.captured {
		return 0, s
	}
	x, ok := b.X.(*lang.Ident)
	if !ok || x.Name != t.Name || hasYield(b.Y) {
		return 0, s
	}
	return compoundOps[b.Op+"="], &lang.AssignStmt{Pos: b.Pos, Op: b.Op + "=", Target: t, Value: b.Y}
}

// addLocal emits INCLOCAL for "x += k" / "x -= k" with a small int
// constant k, or ADDLOCAL for "x += e", on a plain local, and reports
// whether it did.
func (fc *fcomp) addLocal(id *lang.Ident, u use, op Opcode, v lang.Expr) bool {
	if u.scope != Local || u.b.captured || u.index > 0xffff || (op != ADD && op != SUB) {
		return false
	}
	if lit, ok := v.(*lang.IntLit); ok {
		n := lit.Value
		if op == SUB {
			n = -n
		}
		if n >= -128 && n <= 127 {
			fc.at(id.Pos)
			fc.emit(INCLOCAL, uint32(u.index)<<8|uint32(uint8(int8(n))))
			return true
		}
	}
	if op != ADD || hasYield(v) {
		return false
	}
	fc.expr(v)
	fc.at(id.Pos)
	fc.emit(ADDLOCAL, uint32(u.index))
	return true
}

// hasYield reports whether e contains a yield outside nested functions.
func hasYield(e lang.Expr) bool {
	switch e := e.(type) {
	case *lang.YieldExpr:
		return true
	case *lang.UnaryExpr:
		return hasYield(e.X)
	case *lang.BinaryExpr:
		return hasYield(e.X) || hasYield(e.Y)
	case *lang.CallExpr:
		return hasYield(e.Fn) || anyYield(e.Args)
	case *lang.IndexExpr:
		return hasYield(e.X) || hasYield(e.Index)
	case *lang.SliceExpr:
		return hasYield(e.X) || (e.Lo != nil && hasYield(e.Lo)) || (e.Hi != nil && hasYield(e.Hi))
	case *lang.DotExpr:
		return hasYield(e.X)
	case *lang.ListLit:
		return anyYield(e.Elems)
	case *lang.InterpString:
		return anyYield(e.Parts)
	case *lang.MapLit:
		for _, en := range e.Entries {
			if hasYield(en.Key) || hasYield(en.Value) {
				return true
			}
		}
	}
	return false
}

func anyYield(es []lang.Expr) bool {
	for _, e := range es {
		if hasYield(e) {
			return true
		}
	}
	return false
}

func (fc *fcomp) ifStmt(s *lang.IfStmt) {
	end, els := &label{}, &label{}
	fc.condJump(s.Cond, els)
	fc.block(s.Then)
	if s.Else == nil {
		fc.place(els)
		return
	}
	fc.jump(JMP, end)
	fc.place(els)
	fc.stmt(s.Else)
	fc.place(end)
}

var fusedCompares = map[string]Opcode{
	"==": EQJMPFALSE, "!=": NEJMPFALSE, "<": LTJMPFALSE,
	"<=": LEJMPFALSE, ">": GTJMPFALSE, ">=": GEJMPFALSE,
}

// condJump evaluates cond and jumps to target when it is false, fusing a
// comparison into the jump.
func (fc *fcomp) condJump(cond lang.Expr, target *label) {
	if b, ok := cond.(*lang.BinaryExpr); ok {
		if op, ok := fusedCompares[b.Op]; ok {
			fc.operands(b.X, b.Y)
			fc.at(b.Pos)
			fc.jump(op, target)
			return
		}
	}
	fc.expr(cond)
	fc.jump(JMPFALSE, target)
}

func (fc *fcomp) whileStmt(s *lang.WhileStmt) {
	top := fc.pc()
	loop := &loopInfo{tries: len(fc.tries), breaks: &label{}, continues: &label{}}
	fc.at(s.Pos)
	fc.condJump(s.Cond, loop.breaks)
	fc.loopBody(loop, s.Body, s.Pos, top)
}

// loopBody compiles a loop's body and its jump back to top; continue
// lands on that jump, break after it.
func (fc *fcomp) loopBody(loop *loopInfo, body *lang.Block, pos lang.Pos, top int) {
	fc.loops = append(fc.loops, loop)
	fc.block(body)
	fc.loops = fc.loops[:len(fc.loops)-1]
	fc.place(loop.continues)
	fc.at(pos)
	fc.emitJumpTo(JMP, top)
	fc.place(loop.breaks)
}

func (fc *fcomp) emitJumpTo(op Opcode, pc int) { fc.emit(op, uint32(pc)) }

func (fc *fcomp) forStmt(s *lang.ForStmt) {
	fc.expr(s.Iter)
	fc.at(s.Pos)
	fc.emit(ITER, 0)
	top := fc.pc()
	loop := &loopInfo{isFor: true, tries: len(fc.tries), breaks: &label{}, continues: &label{}}
	if s.Value != nil {
		fc.jump(FORNEXT2, loop.breaks)
		fc.point(s, "")
		fc.define(s.Value)
	} else {
		fc.jump(FORNEXT, loop.breaks)
		fc.point(s, "")
	}
	fc.define(s.Key)
	fc.loopBody(loop, s.Body, s.Pos, top)
	fc.closeLocals([]*binding{fc.c.r.decls[s.Key]})
	if s.Value != nil {
		fc.closeLocals([]*binding{fc.c.r.decls[s.Value]})
	}
}

func (fc *fcomp) branch(s *lang.BranchStmt) {
	fc.at(s.Pos)
	if len(fc.loops) == 0 {
		fc.c.errorf(s.Pos, "%s outside a loop", s.Tok)
		return
	}
	loop := fc.loops[len(fc.loops)-1]
	fc.leaveTries(loop.tries)
	fc.at(s.Pos)
	if s.Tok == "continue" {
		fc.jump(JMP, loop.continues)
		return
	}
	if loop.isFor {
		fc.emit(POP, 0) // the iterator; FORNEXT pops it too when it lands there
	}
	fc.jump(JMP, loop.breaks)
}

// leaveTries emits what leaving try blocks down to depth n needs: remove
// each handler and run each finally body, innermost first.
func (fc *fcomp) leaveTries(n int) {
	saved := fc.tries
	for i := len(saved) - 1; i >= n; i-- {
		t := saved[i]
		if t.handler {
			fc.emit(ENDTRY, 0)
		}
		if t.finally != nil {
			fc.tries = saved[:i]
			fc.block(t.finally)
		}
	}
	fc.tries = saved
}

func (fc *fcomp) returnStmt(s *lang.ReturnStmt) {
	if s.Value != nil {
		fc.expr(s.Value)
	} else {
		fc.at(s.Pos)
		fc.emit(NIL, 0)
	}
	// The finally bodies run between computing the value and returning
	// it; a break or continue in one of them abandons the return, so the
	// value waits in a temporary, not on the operand stack they jump with.
	tmp := fc.returnTemp()
	if tmp >= 0 {
		fc.emit(SETLOCAL, uint32(tmp))
	}
	fc.leaveTries(0)
	fc.at(s.Pos)
	if tmp >= 0 {
		fc.emit(LOCAL, uint32(tmp))
	}
	fc.emit(RETURN, 0)
}

// returnTemp returns the slot of the innermost enclosing finally's
// temporary (free on the way out through a return), or -1 if a return
// leaves no finally body.
func (fc *fcomp) returnTemp() int {
	for i := len(fc.tries) - 1; i >= 0; i-- {
		if f := fc.tries[i].finally; f != nil {
			return fc.c.r.tryTemps[f].index
		}
	}
	return -1
}

// tryStmt compiles try/catch/finally. The finally body is compiled once per
// way out: after the body, after the catch, on a throw (then rethrown), and
// inline before each break, continue and return that leaves the block.
func (fc *fcomp) tryStmt(s *lang.TryStmt) {
	end, handler := &label{}, &label{}
	if s.Finally != nil {
		fc.hidden(fc.c.r.tryTemps[s.Finally].index, fc.names.ids[s]+".finally")
	}
	fc.at(s.Pos)
	fc.jump(TRY, handler)
	fc.tries = append(fc.tries, tryInfo{finally: s.Finally, handler: true})
	fc.block(s.Body)
	fc.tries = fc.tries[:len(fc.tries)-1]
	fc.at(s.Body.End)
	fc.emit(ENDTRY, 0)
	if s.Finally != nil {
		fc.block(s.Finally)
	}
	fc.jump(JMP, end)
	fc.place(handler)
	if s.Catch == nil {
		fc.finallyOnThrow(s.Finally)
		fc.place(end)
		return
	}
	if s.Finally == nil {
		fc.catchBody(s)
		fc.jump(JMP, end)
		fc.place(end)
		return
	}
	inner := &label{}
	fc.at(s.Catch.Pos)
	fc.jump(TRY, inner)
	fc.tries = append(fc.tries, tryInfo{finally: s.Finally, handler: true})
	fc.catchBody(s)
	fc.tries = fc.tries[:len(fc.tries)-1]
	fc.emit(ENDTRY, 0)
	fc.block(s.Finally)
	fc.jump(JMP, end)
	fc.place(inner)
	fc.finallyOnThrow(s.Finally)
	fc.place(end)
}

// catchBody binds the caught value (on the stack) and runs the catch block.
func (fc *fcomp) catchBody(s *lang.TryStmt) {
	fc.at(s.Catch.Pos)
	if s.CatchName != nil {
		fc.define(s.CatchName)
	} else {
		fc.emit(POP, 0)
	}
	fc.block(s.Catch)
	if s.CatchName != nil {
		fc.closeLocals([]*binding{fc.c.r.decls[s.CatchName]})
	}
}

// finallyOnThrow runs the finally body with the thrown value saved in a
// temporary, then rethrows it.
func (fc *fcomp) finallyOnThrow(finally *lang.Block) {
	tmp := fc.c.r.tryTemps[finally]
	fc.at(finally.Pos)
	fc.emit(SETLOCAL, uint32(tmp.index))
	fc.block(finally)
	fc.at(finally.Pos)
	fc.emit(LOCAL, uint32(tmp.index))
	fc.emit(RETHROW, 0)
}

// funcLit compiles a function literal and returns its index.
func (fc *fcomp) funcLit(f *lang.FuncLit) int {
	info := fc.c.r.funcs[f]
	fn := fc.c.newFunction(info, fc.funcID(f), f.Name, f.Pos, f.Body.Stmts)
	for _, b := range info.free {
		if i, ok := fc.info.freeIndex[b]; ok {
			fn.Captures = append(fn.Captures, Capture{FromFree: true, Index: i})
		} else {
			fn.Captures = append(fn.Captures, Capture{Index: b.index})
		}
	}
	fc.at(f.Pos)
	fc.emit(MAKEFUNC, uint32(fn.Index))
	return fn.Index
}

var binaryOps = map[string]Opcode{
	"+": ADD, "-": SUB, "*": MUL, "/": DIV, "%": MOD, "&": BITAND, "|": BITOR,
	"^": BITXOR, "<<": SHL, ">>": SHR, "==": EQ, "!=": NE, "<": LT, "<=": LE,
	">": GT, ">=": GE, "in": IN,
}

var unaryOps = map[string]Opcode{"-": NEG, "+": PLUS, "not": NOT, "~": BITNOT}

func (fc *fcomp) expr(e lang.Expr) {
	switch e := e.(type) {
	case *lang.Ident:
		fc.at(e.Pos)
		fc.load(e)
	case *lang.NilLit:
		fc.at(e.Pos)
		fc.emit(NIL, 0)
	case *lang.BoolLit:
		fc.at(e.Pos)
		if e.Value {
			fc.emit(TRUE, 0)
		} else {
			fc.emit(FALSE, 0)
		}
	case *lang.IntLit:
		fc.at(e.Pos)
		fc.intConst(e.Value)
	case *lang.FloatLit:
		fc.at(e.Pos)
		fc.emit(CONST, fc.constant(Constant{Kind: ConstFloat, Float: e.Value}))
	case *lang.StringLit:
		fc.at(e.Pos)
		fc.emit(CONST, fc.constant(Constant{Kind: ConstString, Str: e.Value}))
	case *lang.InterpString:
		for _, p := range e.Parts {
			fc.expr(p)
		}
		fc.at(e.Pos)
		fc.emit(CONCAT, uint32(len(e.Parts)))
	case *lang.ListLit:
		for _, x := range e.Elems {
			fc.expr(x)
		}
		fc.at(e.Pos)
		fc.emit(MAKELIST, uint32(len(e.Elems)))
	case *lang.MapLit:
		for _, en := range e.Entries {
			fc.expr(en.Key) // lowering already made a bare name key a string
			fc.expr(en.Value)
		}
		fc.at(e.Pos)
		fc.emit(MAKEMAP, uint32(len(e.Entries)))
	case *lang.FuncLit:
		fc.funcLit(e)
	case *lang.UnaryExpr:
		fc.expr(e.X)
		fc.at(e.Pos)
		fc.emit(unaryOps[e.Op], 0)
	case *lang.BinaryExpr:
		fc.binary(e)
	case *lang.CallExpr:
		fc.call(e)
	case *lang.IndexExpr:
		fc.expr(e.X)
		fc.expr(e.Index)
		fc.at(e.Pos)
		fc.emit(INDEX, 0)
	case *lang.SliceExpr:
		fc.expr(e.X)
		fc.optional(e.Lo, e.Pos)
		fc.optional(e.Hi, e.Pos)
		fc.at(e.Pos)
		fc.emit(SLICE, 0)
	case *lang.DotExpr:
		fc.expr(e.X)
		fc.at(e.Pos)
		fc.emit(ATTR, fc.c.nameIndex(e.Name))
	case *lang.YieldExpr:
		fc.yield(e)
	default:
		panic(fmt.Sprintf("codegen: unexpected expression %T", e))
	}
}

func (fc *fcomp) optional(e lang.Expr, pos lang.Pos) {
	if e == nil {
		fc.at(pos)
		fc.emit(NIL, 0)
		return
	}
	fc.expr(e)
}

func (fc *fcomp) intConst(v int64) {
	if v >= -1<<23 && v < 1<<23 {
		fc.emit(INT, uint32(v)&MaxArg)
		return
	}
	fc.emit(CONST, fc.constant(Constant{Kind: ConstInt, Int: v}))
}

// operands pushes the operands of a binary operator, x then y: with one
// LOCALINT when x is a plain local and y a small int literal (as in n < 2).
func (fc *fcomp) operands(x, y lang.Expr) {
	if slot, ok := fc.plainLocal(x); ok {
		if lit, ok := y.(*lang.IntLit); ok && lit.Value >= -128 && lit.Value <= 127 {
			fc.at(x.Position())
			fc.emit(LOCALINT, slot<<8|uint32(uint8(int8(lit.Value))))
			return
		}
	}
	fc.expr(x)
	fc.expr(y)
}

// plainLocal returns the slot of x if x names a local that no closure
// captures (one LOCAL would load it), and fits a packed operand.
func (fc *fcomp) plainLocal(x lang.Expr) (uint32, bool) {
	id, ok := x.(*lang.Ident)
	if !ok {
		return 0, false
	}
	u := fc.c.r.uses[id]
	if u.scope != Local || u.b.captured || u.index > 0xffff {
		return 0, false
	}
	return uint32(u.index), true
}

func (fc *fcomp) binary(e *lang.BinaryExpr) {
	switch e.Op {
	case "and", "or":
		end := &label{}
		fc.expr(e.X)
		fc.at(e.Pos)
		if e.Op == "and" {
			fc.jump(ANDJMP, end)
		} else {
			fc.jump(ORJMP, end)
		}
		fc.expr(e.Y)
		fc.place(end)
		return
	}
	if lit, ok := e.Y.(*lang.IntLit); ok && (e.Op == "+" || e.Op == "-") {
		n := lit.Value
		if e.Op == "-" {
			n = -n
		}
		if slot, ok := fc.plainLocal(e.X); ok && n >= -128 && n <= 127 {
			fc.at(e.Pos)
			fc.emit(LOCALADDI, slot<<8|uint32(uint8(int8(n))))
			return
		}
		if n >= -1<<23 && n < 1<<23 {
			fc.expr(e.X)
			fc.at(e.Pos)
			fc.emit(ADDI, uint32(n)&MaxArg)
			return
		}
	}
	fc.operands(e.X, e.Y)
	fc.at(e.Pos)
	if e.Op == "not in" {
		fc.emit(IN, 0)
		fc.emit(NOT, 0)
		return
	}
	op, ok := binaryOps[e.Op]
	if !ok {
		panic("codegen: unknown operator " + e.Op)
	}
	fc.emit(op, 0)
}

func (fc *fcomp) call(e *lang.CallExpr) {
	if len(e.Args) > 255 {
		fc.c.errorf(e.Pos, "too many arguments (%d, at most 255)", len(e.Args))
		return
	}
	if d, ok := e.Fn.(*lang.DotExpr); ok {
		fc.expr(d.X)
		for _, a := range e.Args {
			fc.expr(a)
		}
		name := fc.c.nameIndex(d.Name)
		if name > 0xffff {
			fc.c.errorf(d.Pos, "too many distinct method names")
		}
		fc.at(e.Pos)
		fc.emit(CALLMETHOD, name<<8|uint32(len(e.Args)))
		fc.point(e, "")
		return
	}
	fc.marker(e)
	fc.expr(e.Fn)
	for _, a := range e.Args {
		fc.expr(a)
	}
	fc.at(e.Pos)
	fc.emit(CALL, uint32(len(e.Args)))
	fc.point(e, "")
}

// yield compiles "yield v" and "yield from x".
func (fc *fcomp) yield(e *lang.YieldExpr) {
	if !e.From {
		fc.optional(e.Value, e.Pos)
		fc.at(e.Pos)
		fc.fn.Yields = append(fc.fn.Yields, fc.pc())
		fc.emit(YIELD, 0)
		fc.point(e, "")
		return
	}
	fc.expr(e.Value)
	fc.at(e.Pos)
	gen, end := &label{}, &label{}
	fc.emit(DUP, 0)
	fc.emit(ISGEN, 0)
	fc.jump(JMPTRUE, gen)
	fc.yieldEach(e)
	fc.jump(JMP, end)
	fc.place(gen)
	fc.delegate(e)
	fc.place(end)
}

// yieldEach compiles yield from an iterable that is not a generator:
// yield each element a for loop would visit, drop what is sent back, and
// evaluate to nil.
//
//	for v in x { yield v }; result nil
func (fc *fcomp) yieldEach(e *lang.YieldExpr) {
	fc.emit(ITER, 0)
	top := fc.pc()
	exit := &label{}
	fc.jump(FORNEXT, exit)
	fc.point(e, "/next")
	fc.fn.Yields = append(fc.fn.Yields, fc.pc())
	fc.emit(YIELD, 0)
	fc.point(e, "/each")
	fc.emit(POP, 0)
	fc.emitJumpTo(JMP, top)
	fc.place(exit)
	fc.emit(NIL, 0)
}

// delegate compiles yield from a generator g, passing its yields and the
// values sent back through, and evaluating to its return value. A
// generator that has finished already gives its return value at once.
//
//	g = <x>; s = nil
//	if g.status == "done" { result g.value }
//	loop: v = g.send(s); if g.status == "done" { result v }
//	      s = yield v; goto loop
func (fc *fcomp) delegate(e *lang.YieldExpr) {
	tmps := fc.c.r.yieldFrom[e]
	g, s := uint32(tmps[0].index), uint32(tmps[1].index)
	fc.hidden(int(g), fc.names.ids[e]+".gen")
	fc.hidden(int(s), fc.names.ids[e]+".sent")
	fc.emit(SETLOCAL, g)
	fc.emit(NIL, 0)
	fc.emit(SETLOCAL, s)
	finished, end := &label{}, &label{}
	fc.isDone(g)
	fc.jump(JMPTRUE, finished)
	top := fc.pc()
	fc.emit(LOCAL, g)
	fc.emit(LOCAL, s)
	fc.emit(CALLMETHOD, fc.c.nameIndex("send")<<8|1)
	fc.point(e, "/send")
	fc.isDone(g)
	fc.jump(JMPTRUE, end)
	fc.fn.Yields = append(fc.fn.Yields, fc.pc())
	fc.emit(YIELD, 0)
	fc.point(e, "")
	fc.emit(SETLOCAL, s)
	fc.emitJumpTo(JMP, top)
	fc.place(finished)
	fc.emit(LOCAL, g)
	fc.emit(ATTR, fc.c.nameIndex("value"))
	fc.place(end)
}

// isDone pushes whether the generator in local g has finished.
func (fc *fcomp) isDone(g uint32) {
	fc.emit(LOCAL, g)
	fc.emit(ATTR, fc.c.nameIndex("status"))
	fc.emit(CONST, fc.constant(Constant{Kind: ConstString, Str: "done"}))
	fc.emit(EQ, 0)
}

// maxStack computes the deepest operand stack fn can reach.
func (c *compiler) maxStack(fn *Function) int {
	flow, err := Analyze(fn)
	if err != nil {
		panic("codegen: " + err.Error())
	}
	return flow.MaxStack
}
