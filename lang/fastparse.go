// This file defines fastParse: a hand-written parser for the grammar's happy path.

package lang

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// fastParse parses the significant tokens toks (ending in EOF) into the
// same grammar tree participle builds from them, or reports false, having
// given up, for participle to parse them and report the error.
//
// It is a predictive parser that mirrors the grammar structs of
// grammar.go one function apiece, and what participle does with them
// under UseLookahead(0): the alternatives of a choice are tried in their
// order, an alternative that fails on its first token gives way to the
// next, and one that fails after consuming a token fails the parse. Every
// literal matches by value alone unless the grammar names a type, as
// participle's do. So where fastParse succeeds participle succeeds with
// an equal tree (TestFastParseMatchesParticiple and FuzzFastParse check
// it), and every failure goes to participle, which keeps the accepted
// language and every error message its own. fastParse costs a fraction of
// participle's reflection and branch copies, and a process whose source
// parses never builds participle's parser at all.
func fastParse(toks []lexer.Token) (tree *program, ok bool) {
	if len(toks) >= participle.MaxIterations {
		return nil, false // participle's "too many iterations" error
	}
	p := &fastParser{toks: toks}
	defer func() {
		if r := recover(); r != nil {
			if _, gaveUp := r.(giveUp); !gaveUp {
				panic(r)
			}
			tree, ok = nil, false
		}
	}()
	return p.program(), true
}

// giveUp is the panic that unwinds fastParse when the source does not
// parse (or strays from what fastParse handles).
type giveUp struct{}

// fastParser is the state of one fastParse: the tokens and a cursor.
type fastParser struct {
	toks []lexer.Token
	i    int
}

func (p *fastParser) fail() { panic(giveUp{}) }

// at returns the token k ahead of the cursor; past the end it is the EOF.
func (p *fastParser) at(k int) *lexer.Token {
	return &p.toks[min(p.i+k, len(p.toks)-1)]
}

func (p *fastParser) is(value string) bool { return p.toks[p.i].Value == value }

func (p *fastParser) isType(t lexer.TokenType) bool { return p.toks[p.i].Type == t }

// next consumes the token at the cursor and returns its value.
func (p *fastParser) next() string {
	v := p.toks[p.i].Value
	if p.toks[p.i].Type != lexer.EOF {
		p.i++
	}
	return v
}

// expect consumes a token of the given value, or gives up.
func (p *fastParser) expect(value string) {
	if !p.is(value) {
		p.fail()
	}
	p.next()
}

// since returns the tokens consumed from start, a struct's Tokens.
func (p *fastParser) since(start int) []lexer.Token { return p.toks[start:p.i] }

// soft reports a failed alternative: nothing consumed since start is a
// miss the caller may recover from; anything consumed fails the parse.
func (p *fastParser) soft(start int) {
	if p.i != start {
		p.fail()
	}
}

func (p *fastParser) skipNL() {
	for p.isType(tokNL) {
		p.next()
	}
}

// statements parses `( @@ ( NL+ @@? )* )?`, after any leading NLs.
func (p *fastParser) statements() []stmt {
	var out []stmt
	s, ok := p.stmt()
	if !ok {
		return nil
	}
	out = append(out, s)
	for p.isType(tokNL) {
		p.skipNL()
		if s, ok := p.stmt(); ok {
			out = append(out, s)
		}
	}
	return out
}

func (p *fastParser) program() *program {
	p.skipNL()
	stmts := p.statements()
	if !p.isType(lexer.EOF) {
		p.fail()
	}
	return &program{Stmts: stmts}
}

// stmt tries the statement union's members in order.
func (p *fastParser) stmt() (stmt, bool) {
	if b, ok := p.block(); ok {
		return b, true
	}
	if s, ok := p.simpleStmt(); ok {
		return s, true
	}
	t := p.at(0)
	switch {
	case t.Value == "let":
		return p.letStmt(), true
	case t.Value == "if":
		return p.ifStmt(), true
	case t.Value == "return":
		return p.returnStmt(), true
	case t.Value == "for":
		return p.forStmt(), true
	case t.Value == "while":
		return p.whileStmt(), true
	case t.Value == "fn" && t.Type == tokStmtKw:
		return p.fnDecl(), true
	case t.Value == "break" || t.Value == "continue":
		start := p.i
		tok := p.next()
		return &branchStmt{Tokens: p.since(start), Tok: tok}, true
	case t.Value == "throw":
		start := p.i
		p.next()
		v := p.mustExpr()
		return &throwStmt{Tokens: p.since(start), Value: v}, true
	case t.Value == "try":
		return p.tryStmt(), true
	}
	return nil, false
}

func (p *fastParser) block() (*block, bool) {
	if !p.is("{") {
		return nil, false
	}
	start := p.i
	p.next()
	p.skipNL()
	stmts := p.statements()
	p.expect("}")
	return &block{Tokens: p.since(start), Stmts: stmts}, true
}

func (p *fastParser) mustBlock() *block {
	b, ok := p.block()
	if !ok {
		p.fail()
	}
	return b
}

func (p *fastParser) fnDecl() *fnDecl {
	start := p.i
	p.next()
	n := p.mustName()
	params := p.mustParams()
	body := p.mustBlock()
	return &fnDecl{Tokens: p.since(start), Name: n, Params: params, Body: body}
}

func (p *fastParser) letStmt() *letStmt {
	start := p.i
	p.next()
	s := &letStmt{Name: p.mustName()}
	if p.is("=") {
		p.next()
		s.Value = p.mustExpr()
	}
	s.Tokens = p.since(start)
	return s
}

func (p *fastParser) ifStmt() *ifStmt {
	s := &ifStmt{If: p.ifClause()}
	for p.is("else") && p.at(1).Value == "if" {
		p.next()
		s.Elifs = append(s.Elifs, &elseIf{If: p.ifClause()})
	}
	if p.is("else") {
		p.next()
		s.Else = p.mustBlock()
	}
	return s
}

// ifClause parses `'if' @@ @@`; the cursor is on a token valued "if".
func (p *fastParser) ifClause() *ifClause {
	start := p.i
	p.next()
	cond := p.mustExpr()
	then := p.mustBlock()
	return &ifClause{Tokens: p.since(start), Cond: cond, Then: then}
}

func (p *fastParser) whileStmt() *whileStmt {
	start := p.i
	p.next()
	cond := p.mustExpr()
	body := p.mustBlock()
	return &whileStmt{Tokens: p.since(start), Cond: cond, Body: body}
}

func (p *fastParser) forStmt() *forStmt {
	start := p.i
	p.next()
	s := &forStmt{Key: p.mustName()}
	if p.is(",") {
		p.next()
		s.Value = p.mustName()
	}
	p.expect("in")
	s.Iter = p.mustExpr()
	s.Body = p.mustBlock()
	s.Tokens = p.since(start)
	return s
}

func (p *fastParser) returnStmt() *returnStmt {
	start := p.i
	p.next()
	v, _ := p.expr()
	return &returnStmt{Tokens: p.since(start), Value: v}
}

func (p *fastParser) tryStmt() *tryStmt {
	start := p.i
	p.next()
	s := &tryStmt{Body: p.mustBlock()}
	switch {
	case p.is("catch"):
		p.next()
		c := &catchClause{}
		if n, ok := p.name(); ok {
			c.Name = n
		}
		c.Body = p.mustBlock()
		s.Catch = c
		if p.is("finally") {
			p.next()
			s.Finally = p.mustBlock()
		}
	case p.is("finally"):
		p.next()
		s.Finally = p.mustBlock()
	default:
		p.fail()
	}
	s.Tokens = p.since(start)
	return s
}

// simpleStmt parses `(?! StmtKeyword) @@ @@?`.
func (p *fastParser) simpleStmt() (*simpleStmt, bool) {
	if p.isType(tokStmtKw) {
		return nil, false
	}
	x, ok := p.expr()
	if !ok {
		return nil, false
	}
	s := &simpleStmt{X: x}
	if p.isType(tokAssign) {
		start := p.i
		op := p.next()
		v := p.mustExpr()
		s.Assign = &assignTail{Tokens: p.since(start), Op: op, Value: v}
	}
	return s, true
}

// expr tries the expression union's members in order.
func (p *fastParser) expr() (expr, bool) {
	if e, ok := p.binExpr(); ok {
		return e, true
	}
	if !p.is("yield") {
		return nil, false
	}
	start := p.i
	p.next()
	y := &yieldExpr{}
	if p.is("from") {
		p.next()
		y.From = true
		y.Value = p.mustExpr()
	} else {
		y.Value, _ = p.expr()
	}
	y.Tokens = p.since(start)
	return y, true
}

func (p *fastParser) mustExpr() expr {
	e, ok := p.expr()
	if !ok {
		p.fail()
	}
	return e
}

func (p *fastParser) binExpr() (*binExpr, bool) {
	e := &binExpr{}
	if !p.operand(&e.operand) {
		return nil, false
	}
	for p.isType(tokBinOp) {
		start := p.i
		t := &binTail{Op: p.next()}
		if !p.operand(&t.operand) {
			p.fail()
		}
		t.Tokens = p.since(start)
		e.Tail = append(e.Tail, t)
	}
	return e, true
}

// operand fills o, reporting false if the cursor is not on one (having
// consumed nothing).
func (p *fastParser) operand(o *operand) bool {
	start := p.i
	for p.isType(tokPrefix) {
		at := p.i
		op := p.next()
		o.Ops = append(o.Ops, &prefixOp{Tokens: p.since(at), Op: op})
	}
	x, ok := p.primary()
	if !ok {
		p.soft(start)
		return false
	}
	o.X = x
	for p.isType(tokPostfix) {
		post, ok := p.postfix()
		if !ok {
			break
		}
		o.Post = append(o.Post, post)
	}
	return true
}

// postfix tries the postfix union's members in order.
func (p *fastParser) postfix() (postfixOp, bool) {
	start := p.i
	t := p.at(0)
	switch {
	case t.Value == "(" && t.Type == tokPostfix:
		p.next()
		c := &call{Args: p.exprList(")")}
		c.Tokens = p.since(start)
		return c, true
	case t.Value == "[" && t.Type == tokPostfix:
		p.next()
		ix := &index{}
		if lo, ok := p.expr(); ok {
			ix.Lo = lo
			if p.is(":") {
				ix.Slice = p.sliceTail()
			}
		} else if p.is(":") {
			ix.Slice = p.sliceTail()
		} else {
			p.fail()
		}
		p.expect("]")
		ix.Tokens = p.since(start)
		return ix, true
	case t.Value == ".":
		p.next()
		if !p.isType(tokIdent) {
			p.fail()
		}
		d := &dot{Name: p.next()}
		d.Tokens = p.since(start)
		return d, true
	}
	return nil, false
}

func (p *fastParser) sliceTail() *sliceTail {
	p.next()
	hi, _ := p.expr()
	return &sliceTail{Hi: hi}
}

// exprList parses `( @@ ( (?= ',' ~close) ',' @@ )* ','? )? close`, after
// the opening bracket.
func (p *fastParser) exprList(close string) []expr {
	var out []expr
	if e, ok := p.expr(); ok {
		out = append(out, e)
		for p.moreItems(close) {
			p.next()
			out = append(out, p.mustExpr())
		}
		if p.is(",") {
			p.next()
		}
	}
	p.expect(close)
	return out
}

// moreItems is the lookahead (?= ',' ~close): a comma and then a token,
// not the end of file, whose value is not close.
func (p *fastParser) moreItems(close string) bool {
	after := p.at(1)
	return p.is(",") && after.Type != lexer.EOF && after.Value != close
}

// primary tries the primary union's members in order.
func (p *fastParser) primary() (primary, bool) {
	start := p.i
	t := p.at(0)
	switch {
	case t.Type == tokIdent:
		return p.name()
	case t.Type == tokInt:
		return &intLit{Tokens: p.one(), Text: t.Value}, true
	case t.Type == tokStrStart:
		return p.stringLit(), true
	case t.Value == "(":
		p.next()
		x := p.mustExpr()
		p.expect(")")
		return &parenExpr{X: x}, true
	case t.Value == "[":
		p.next()
		l := &listLit{Elems: p.exprList("]")}
		l.Tokens = p.since(start)
		return l, true
	case t.Value == "{":
		return p.mapLit(), true
	case t.Value == "fn":
		p.next()
		params := p.mustParams()
		body := p.mustBlock()
		return &fnLit{Tokens: p.since(start), Params: params, Body: body}, true
	case t.Value == "true" || t.Value == "false":
		return &boolLit{Tokens: p.one(), Value: t.Value}, true
	case t.Value == "nil":
		return &nilLit{Tokens: p.one(), Nil: true}, true
	case t.Type == tokFloat:
		return &floatLit{Tokens: p.one(), Text: t.Value}, true
	case t.Type == tokRawString:
		return &rawString{Tokens: p.one(), Text: t.Value}, true
	}
	return nil, false
}

// one consumes a token and returns it as a struct's Tokens.
func (p *fastParser) one() []lexer.Token {
	p.next()
	return p.toks[p.i-1 : p.i]
}

func (p *fastParser) name() (*name, bool) {
	if !p.isType(tokIdent) {
		return nil, false
	}
	v := p.at(0).Value
	return &name{Tokens: p.one(), Name: v}, true
}

func (p *fastParser) mustName() *name {
	n, ok := p.name()
	if !ok {
		p.fail()
	}
	return n
}

// mustParams parses `'(' ( @@ ( (?= ',' Ident) ',' @@ )* ','? )? ')'`.
func (p *fastParser) mustParams() *params {
	p.expect("(")
	ps := &params{}
	if n, ok := p.name(); ok {
		ps.Names = append(ps.Names, n)
		for p.is(",") && p.at(1).Type == tokIdent {
			p.next()
			ps.Names = append(ps.Names, p.mustName())
		}
		if p.is(",") {
			p.next()
		}
	}
	p.expect(")")
	return ps
}

func (p *fastParser) stringLit() *stringLit {
	start := p.i
	p.next()
	s := &stringLit{}
	for {
		at := p.i
		switch {
		case p.isType(tokStrText):
			s.Parts = append(s.Parts, &strPart{Text: p.next()})
		case p.isType(tokInterpStart):
			p.next()
			x := p.mustExpr()
			if !p.isType(tokInterpEnd) {
				p.fail()
			}
			p.next()
			s.Parts = append(s.Parts, &strPart{Interp: x})
		default:
			if !p.isType(tokStrEnd) {
				p.fail()
			}
			p.next()
			s.Tokens = p.since(start)
			return s
		}
		s.Parts[len(s.Parts)-1].Tokens = p.since(at)
	}
}

func (p *fastParser) mapLit() *mapLit {
	start := p.i
	p.next()
	m := &mapLit{}
	if e, ok := p.mapEntry(); ok {
		m.Entries = append(m.Entries, e)
		for p.moreItems("}") {
			p.next()
			e, ok := p.mapEntry()
			if !ok {
				p.fail()
			}
			m.Entries = append(m.Entries, e)
		}
		if p.is(",") {
			p.next()
		}
	}
	p.expect("}")
	m.Tokens = p.since(start)
	return m
}

// mapEntry parses `( (?= Ident ':') @@ | @@ ) ':' @@`.
func (p *fastParser) mapEntry() (*mapEntry, bool) {
	e := &mapEntry{}
	if p.isType(tokIdent) && p.at(1).Value == ":" {
		e.Name, _ = p.name()
	} else if k, ok := p.expr(); ok {
		e.Key = k
	} else {
		return nil, false
	}
	p.expect(":")
	e.Value = p.mustExpr()
	return e, true
}
