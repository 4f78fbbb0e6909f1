// Package lang turns .wf source text into a syntax tree.
//
// The pipeline is: a scanner (scan.go) whose tokens a layouter rewrites as
// they come (layout.go: the newline rules and the nesting limit), a
// participle grammar whose structs mirror the productions in
// spec/grammar.ebnf (grammar.go), and a lowering pass (lower.go) that turns
// the grammar-shaped tree into the AST defined in this file. Every node
// carries a Pos.
//
// Parse and ParseWith never panic and never recurse deeper than
// Options.MaxNesting allows; they refuse source over Options.MaxSource
// bytes or Options.MaxTokens tokens, and trees deeper than MaxTreeDepth,
// which later stages walk recursively. On failure they return an
// ErrorList of *Error values, sorted by position, which Render shows as
//
//	file.wf:4:17: unexpected "}" (expected an expression)
//	        let total = }
//	                    ^
//
// Dump prints a node as a one-line S-expression, for tests. Later stages
// (package compiler) only ever see this AST, never the grammar structs.
package lang

import "fmt"

// Pos is a position in a source file. Line and Col count from 1; Col counts
// bytes. The zero Pos means "unknown"; a Pos with a File and no Line
// means the whole file.
type Pos struct {
	File string
	Line int
	Col  int
}

// String returns "file:line:col", "line:col" without a file, or the file
// alone without a line.
func (p Pos) String() string {
	if p.Line == 0 && p.File != "" {
		return p.File
	}
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Node is any syntax tree node.
type Node interface{ Position() Pos }

// Stmt is a statement node.
type Stmt interface {
	Node
	stmtNode()
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// File is a parsed source file: the statements of its top level.
type File struct {
	Name  string
	Src   []byte
	Stmts []Stmt
}

// Block is a braced statement list; it opens a scope.
type Block struct {
	Pos   Pos // the "{"
	Stmts []Stmt
	End   Pos // the "}"
}

// LetStmt declares a variable in the innermost scope: let Name = Value.
// Value is nil for a bare "let x", which binds nil.
type LetStmt struct {
	Pos   Pos // the "let"
	Name  *Ident
	Value Expr
}

// AssignStmt is Target Op Value where Op is one of = += -= *= /= %=.
// Target is an *Ident, *IndexExpr or *DotExpr.
type AssignStmt struct {
	Pos    Pos // the operator
	Op     string
	Target Expr
	Value  Expr
}

// ExprStmt evaluates an expression for its effects.
type ExprStmt struct {
	X Expr
}

// IfStmt is if Cond Then [else Else]; Else is nil, a *Block or an *IfStmt.
type IfStmt struct {
	Pos  Pos
	Cond Expr
	Then *Block
	Else Stmt
}

// WhileStmt is while Cond Body.
type WhileStmt struct {
	Pos  Pos
	Cond Expr
	Body *Block
}

// ForStmt is "for Key in Iter Body" or "for Key, Value in Iter Body".
// Value is nil in the one-variable form.
type ForStmt struct {
	Pos   Pos
	Key   *Ident
	Value *Ident
	Iter  Expr
	Body  *Block
}

// BranchStmt is break or continue.
type BranchStmt struct {
	Pos Pos
	Tok string // "break" or "continue"
}

// ReturnStmt is return [Value].
type ReturnStmt struct {
	Pos   Pos
	Value Expr // may be nil
}

// ThrowStmt is throw Value.
type ThrowStmt struct {
	Pos   Pos
	Value Expr
}

// TryStmt is try Body [catch Name Catch] [finally Finally]; at least one of
// Catch and Finally is present. CatchName is nil when the catch clause binds
// no name ("catch { ... }").
type TryStmt struct {
	Pos       Pos
	Body      *Block
	CatchName *Ident
	Catch     *Block
	Finally   *Block
}

// FnDecl is "fn Name(params) Body", sugar for a let of a function literal
// that can call itself.
type FnDecl struct {
	Pos  Pos
	Name *Ident
	Func *FuncLit
}

// Ident is a name.
type Ident struct {
	Pos  Pos
	Name string
}

// NilLit, BoolLit, IntLit, FloatLit and StringLit are literals.
type (
	NilLit  struct{ Pos Pos }
	BoolLit struct {
		Pos   Pos
		Value bool
	}
	IntLit struct {
		Pos   Pos
		Value int64
	}
	FloatLit struct {
		Pos   Pos
		Value float64
	}
	StringLit struct {
		Pos   Pos
		Value string // escapes already decoded
	}
)

// InterpString is a string literal with ${expr} parts: Parts alternates
// between *StringLit and arbitrary expressions, in source order.
type InterpString struct {
	Pos   Pos
	Parts []Expr
}

// ListLit is [a, b, c].
type ListLit struct {
	Pos   Pos
	Elems []Expr
}

// MapLit is {k: v, ...}. Lowering turns a bare identifier key into a
// *StringLit; a parenthesized name is an expression.
type MapLit struct {
	Pos     Pos
	Entries []MapEntry
}

// MapEntry is one key: value pair of a MapLit.
type MapEntry struct {
	Key   Expr
	Value Expr
}

// FuncLit is fn(params) { body }. Name is the declared name for FnDecl, or
// "" for an anonymous function.
type FuncLit struct {
	Pos    Pos
	Name   string
	Params []*Ident
	Body   *Block
}

// UnaryExpr is Op X with Op one of - + not ~.
type UnaryExpr struct {
	Pos Pos
	Op  string
	X   Expr
}

// BinaryExpr is X Op Y. Op is an arithmetic, bitwise or comparison
// operator, "in", "not in", or the short-circuit "and"/"or".
type BinaryExpr struct {
	Pos Pos // the operator
	Op  string
	X   Expr
	Y   Expr
}

// CallExpr is Fn(Args). A call whose Fn is a *DotExpr is a method call.
type CallExpr struct {
	Pos  Pos // the "("
	Fn   Expr
	Args []Expr
}

// IndexExpr is X[Index].
type IndexExpr struct {
	Pos   Pos // the "["
	X     Expr
	Index Expr
}

// SliceExpr is X[Lo:Hi]; Lo and Hi may be nil.
type SliceExpr struct {
	Pos Pos // the "["
	X   Expr
	Lo  Expr
	Hi  Expr
}

// DotExpr is X.Name.
type DotExpr struct {
	Pos  Pos // the "."
	X    Expr
	Name string
}

// YieldExpr is yield [Value], or yield from Value when From is set.
type YieldExpr struct {
	Pos   Pos
	Value Expr // may be nil
	From  bool
}

func (n *Block) Position() Pos        { return n.Pos }
func (n *LetStmt) Position() Pos      { return n.Pos }
func (n *AssignStmt) Position() Pos   { return n.Pos }
func (n *ExprStmt) Position() Pos     { return n.X.Position() }
func (n *IfStmt) Position() Pos       { return n.Pos }
func (n *WhileStmt) Position() Pos    { return n.Pos }
func (n *ForStmt) Position() Pos      { return n.Pos }
func (n *BranchStmt) Position() Pos   { return n.Pos }
func (n *ReturnStmt) Position() Pos   { return n.Pos }
func (n *ThrowStmt) Position() Pos    { return n.Pos }
func (n *TryStmt) Position() Pos      { return n.Pos }
func (n *FnDecl) Position() Pos       { return n.Pos }
func (n *Ident) Position() Pos        { return n.Pos }
func (n *NilLit) Position() Pos       { return n.Pos }
func (n *BoolLit) Position() Pos      { return n.Pos }
func (n *IntLit) Position() Pos       { return n.Pos }
func (n *FloatLit) Position() Pos     { return n.Pos }
func (n *StringLit) Position() Pos    { return n.Pos }
func (n *InterpString) Position() Pos { return n.Pos }
func (n *ListLit) Position() Pos      { return n.Pos }
func (n *MapLit) Position() Pos       { return n.Pos }
func (n *FuncLit) Position() Pos      { return n.Pos }
func (n *UnaryExpr) Position() Pos    { return n.Pos }
func (n *BinaryExpr) Position() Pos   { return n.Pos }
func (n *CallExpr) Position() Pos     { return n.Pos }
func (n *IndexExpr) Position() Pos    { return n.Pos }
func (n *SliceExpr) Position() Pos    { return n.Pos }
func (n *DotExpr) Position() Pos      { return n.Pos }
func (n *YieldExpr) Position() Pos    { return n.Pos }

func (*Block) stmtNode()      {}
func (*LetStmt) stmtNode()    {}
func (*AssignStmt) stmtNode() {}
func (*ExprStmt) stmtNode()   {}
func (*IfStmt) stmtNode()     {}
func (*WhileStmt) stmtNode()  {}
func (*ForStmt) stmtNode()    {}
func (*BranchStmt) stmtNode() {}
func (*ReturnStmt) stmtNode() {}
func (*ThrowStmt) stmtNode()  {}
func (*TryStmt) stmtNode()    {}
func (*FnDecl) stmtNode()     {}

func (*Ident) exprNode()        {}
func (*NilLit) exprNode()       {}
func (*BoolLit) exprNode()      {}
func (*IntLit) exprNode()       {}
func (*FloatLit) exprNode()     {}
func (*StringLit) exprNode()    {}
func (*InterpString) exprNode() {}
func (*ListLit) exprNode()      {}
func (*MapLit) exprNode()       {}
func (*FuncLit) exprNode()      {}
func (*UnaryExpr) exprNode()    {}
func (*BinaryExpr) exprNode()   {}
func (*CallExpr) exprNode()     {}
func (*IndexExpr) exprNode()    {}
func (*SliceExpr) exprNode()    {}
func (*DotExpr) exprNode()      {}
func (*YieldExpr) exprNode()    {}
