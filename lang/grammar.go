// This file defines the grammar: one struct per production of spec/grammar.ebnf.

package lang

import (
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar types are the lower-case twins of the productions in
// spec/grammar.ebnf (participle upper-cases the first letter: letStmt is
// the production LetStmt). They mirror the syntax, not the meaning; lower.go
// turns them into the AST.
//
// The parser runs with no lookahead: once an alternative has consumed a
// token it is committed, so an error is reported where it happens, not
// where participle gave up backtracking. The few places that need to see
// further use explicit lookahead groups (?= ...): "else if", trailing
// commas, name keys in maps, and the token-type guards below.
//
// Participle tries the alternatives of a choice in turn, and every attempt
// costs allocations, so the grammar is shaped for speed: the scanner's
// classify pass gives tokens types that name their role (BinOp, Prefix,
// Postfix, Assign, StmtKeyword), so that one type test replaces a choice
// among many literals; binary expressions are a flat run of operands and
// operators (lowering applies precedence); and the alternatives of a
// choice come in order of how often they occur.
//
// Building the parser takes participle a few milliseconds and about
// 4,000 allocations, so it is built on first use, not when the package
// is initialized: a process that never parses (wf run of a program in the
// compile cache, the engine's commands) does not pay for it. Nor does one
// whose source parses: fastParse (fastparse.go) builds the same tree by
// hand, and participle is called only for the source it gives up on,
// to report the error. A change to a grammar struct here needs the same
// change to its function there; TestFastParseMatchesParticiple and
// FuzzFastParse compare the two.
var parser = sync.OnceValue(buildParser)

func buildParser() *participle.Parser[program] {
	return participle.MustBuild[program](
		participle.Lexer(lexDef{}),
		participle.Elide(elided...),
		participle.UseLookahead(0),
		participle.Union[stmt](&block{}, &simpleStmt{}, &letStmt{}, &ifStmt{}, &returnStmt{},
			&forStmt{}, &whileStmt{}, &fnDecl{}, &branchStmt{}, &throwStmt{}, &tryStmt{}),
		participle.Union[expr](&binExpr{}, &yieldExpr{}),
		participle.Union[primary](&name{}, &intLit{}, &stringLit{}, &parenExpr{}, &listLit{},
			&mapLit{}, &fnLit{}, &boolLit{}, &nilLit{}, &floatLit{}, &rawString{}),
		participle.Union[postfixOp](&call{}, &index{}, &dot{}),
	)
}

// Statements.
type (
	program struct {
		Stmts []stmt `parser:"NL* ( @@ ( NL+ @@? )* )? EOF"`
	}
	stmt interface{ lowerStmt(*lowerer) Stmt }

	block struct {
		Tokens []lexer.Token
		Stmts  []stmt `parser:"'{' NL* ( @@ ( NL+ @@? )* )? '}'"`
	}
	fnDecl struct {
		Tokens []lexer.Token
		Name   *name   `parser:"'fn':StmtKeyword @@"`
		Params *params `parser:"@@"`
		Body   *block  `parser:"@@"`
	}
	letStmt struct {
		Tokens []lexer.Token
		Name   *name `parser:"'let' @@"`
		Value  expr  `parser:"( '=' @@ )?"`
	}
	ifStmt struct {
		If    *ifClause `parser:"@@"`
		Elifs []*elseIf `parser:"@@*"`
		Else  *block    `parser:"( 'else' @@ )?"`
	}
	ifClause struct {
		Tokens []lexer.Token
		Cond   expr   `parser:"'if' @@"`
		Then   *block `parser:"@@"`
	}
	elseIf struct {
		If *ifClause `parser:"(?= 'else' 'if') 'else' @@"`
	}
	whileStmt struct {
		Tokens []lexer.Token
		Cond   expr   `parser:"'while' @@"`
		Body   *block `parser:"@@"`
	}
	forStmt struct {
		Tokens []lexer.Token
		Key    *name  `parser:"'for' @@"`
		Value  *name  `parser:"( ',' @@ )?"`
		Iter   expr   `parser:"'in' @@"`
		Body   *block `parser:"@@"`
	}
	branchStmt struct {
		Tokens []lexer.Token
		Tok    string `parser:"@( 'break' | 'continue' )"`
	}
	returnStmt struct {
		Tokens []lexer.Token
		Value  expr `parser:"'return' @@?"`
	}
	throwStmt struct {
		Tokens []lexer.Token
		Value  expr `parser:"'throw' @@"`
	}
	tryStmt struct {
		Tokens  []lexer.Token
		Body    *block       `parser:"'try' @@"`
		Catch   *catchClause `parser:"( @@"`
		Finally *block       `parser:"( 'finally' @@ )? | 'finally' @@ )"`
	}
	catchClause struct {
		Name *name  `parser:"'catch' @@?"`
		Body *block `parser:"@@"`
	}
	// simpleStmt is an expression statement or an assignment; lowering
	// checks the assignment target.
	simpleStmt struct {
		X      expr        `parser:"(?! StmtKeyword) @@"`
		Assign *assignTail `parser:"@@?"`
	}
	assignTail struct {
		Tokens []lexer.Token
		Op     string `parser:"@Assign"`
		Value  expr   `parser:"@@"`
	}
)

// Expressions, by precedence from lowest.
type (
	expr interface{ lowerExpr(*lowerer) Expr }

	yieldExpr struct {
		Tokens []lexer.Token
		From   bool `parser:"'yield' ( @'from'"`
		Value  expr `parser:"@@ | @@ )?"`
	}
	// binExpr is a flat run of operands and binary operators; lowering
	// applies precedence (see climber). A flat grammar keeps participle
	// from descending a dozen precedence levels for every operand.
	binExpr struct {
		operand
		Tail []*binTail `parser:"@@*"`
	}
	// binTail matches an operator by type: classify (scan.go) has told a
	// binary "-" from a prefix one (a Leading "-" is never a BinOp) and
	// made "not in" one token.
	binTail struct {
		Tokens []lexer.Token
		Op     string `parser:"@BinOp"`
		operand
	}
	// operand is prefix operators, a primary and postfix operators,
	// embedded in binExpr and binTail (a production of its own would cost
	// participle a struct per operand). The "not"s must come first (not
	// binds more loosely than the others); lowering checks that.
	operand struct {
		Ops  []*prefixOp `parser:"@@*"`
		X    primary     `parser:"@@"`
		Post []postfixOp `parser:"( (?= Postfix) @@ )*"`
	}
	prefixOp struct {
		Tokens []lexer.Token
		Op     string `parser:"@Prefix"`
	}
)

// Postfix operators, taking "(" and "[" only as Postfix (after an operand),
// never Leading.
type (
	postfixOp interface {
		lowerPostfix(*lowerer, Expr) Expr
	}
	call struct {
		Tokens []lexer.Token
		Args   []expr `parser:"'(':Postfix ( @@ ( (?= ',' ~')') ',' @@ )* ','? )? ')'"`
	}
	index struct {
		Tokens []lexer.Token
		Lo     expr       `parser:"'[':Postfix ( @@"`
		Slice  *sliceTail `parser:"@@? | @@ ) ']'"`
	}
	sliceTail struct {
		Hi expr `parser:"':' @@?"`
	}
	dot struct {
		Tokens []lexer.Token
		Name   string `parser:"'.' @Ident"`
	}
)

// Primary expressions.
type (
	primary interface {
		expr
		primaryNode()
	}
	fnLit struct {
		Tokens []lexer.Token
		Params *params `parser:"'fn' @@"`
		Body   *block  `parser:"@@"`
	}
	params struct {
		Names []*name `parser:"'(' ( @@ ( (?= ',' Ident) ',' @@ )* ','? )? ')'"`
	}
	parenExpr struct {
		X expr `parser:"'(' @@ ')'"`
	}
	listLit struct {
		Tokens []lexer.Token
		Elems  []expr `parser:"'[' ( @@ ( (?= ',' ~']') ',' @@ )* ','? )? ']'"`
	}
	mapLit struct {
		Tokens  []lexer.Token
		Entries []*mapEntry `parser:"'{' ( @@ ( (?= ',' ~'}') ',' @@ )* ','? )? '}'"`
	}
	// mapEntry is Key: Value; a bare name key is a string.
	mapEntry struct {
		Name  *name `parser:"( (?= Ident ':') @@"`
		Key   expr  `parser:"| @@ ) ':'"`
		Value expr  `parser:"@@"`
	}
	stringLit struct {
		Tokens []lexer.Token
		Parts  []*strPart `parser:"StrStart @@* StrEnd"`
	}
	strPart struct {
		Tokens []lexer.Token
		Text   string `parser:"@StrText"`
		Interp expr   `parser:"| InterpStart @@ InterpEnd"`
	}
	rawString struct {
		Tokens []lexer.Token
		Text   string `parser:"@RawString"`
	}
	intLit struct {
		Tokens []lexer.Token
		Text   string `parser:"@Int"`
	}
	floatLit struct {
		Tokens []lexer.Token
		Text   string `parser:"@Float"`
	}
	nilLit struct {
		Tokens []lexer.Token
		Nil    bool `parser:"@'nil'"`
	}
	boolLit struct {
		Tokens []lexer.Token
		Value  string `parser:"@( 'true' | 'false' )"`
	}
	name struct {
		Tokens []lexer.Token
		Name   string `parser:"@Ident"`
	}
)

func (*fnLit) primaryNode()     {}
func (*parenExpr) primaryNode() {}
func (*listLit) primaryNode()   {}
func (*mapLit) primaryNode()    {}
func (*stringLit) primaryNode() {}
func (*rawString) primaryNode() {}
func (*intLit) primaryNode()    {}
func (*floatLit) primaryNode()  {}
func (*nilLit) primaryNode()    {}
func (*boolLit) primaryNode()   {}
func (*name) primaryNode()      {}
