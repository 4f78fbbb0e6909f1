package progcache

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

// names are the predeclared names wf run compiles with.
func names() []string {
	return append(append(vm.Universe(), engine.BuiltinNames()...), "read_file", "write_file", "file_exists", "remove_file")
}

// corpus compiles every example and conformance program that compiles.
func corpus(t testing.TB) []*compiler.Program {
	t.Helper()
	files, _ := filepath.Glob("../examples/*.wf")
	more, _ := filepath.Glob("../spec/conformance/*.wf")
	var progs []*compiler.Program
	for _, f := range append(files, more...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := compiler.CompileSource(f, src, compiler.Options{Predeclared: names()}); err == nil {
			progs = append(progs, p)
		}
	}
	if len(progs) < 20 {
		t.Fatalf("only %d programs compiled", len(progs))
	}
	return progs
}

// TestRoundTrip: every compiled program passes Verify and comes back
// from its cache file equal.
func TestRoundTrip(t *testing.T) {
	for _, p := range corpus(t) {
		data, err := Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := Decode(data, p.Src)
		if err != nil {
			t.Fatalf("%s: %v", p.File, err)
		}
		if diff := cmp.Diff(p, q, cmpopts.IgnoreUnexported(compiler.Function{}), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%s: (-compiled +decoded)\n%s", p.File, diff)
		}
	}
}

const sample = `fn counter() {
    let n = 0
    return fn() { n += 1; return n }
}
fn gen(k) { for i in range(k) { yield i } }
let c = counter()
let s = 0
for x in gen(4) { s += x + c() }
print(s, "done")
`

func compileSample(t testing.TB) *compiler.Program {
	t.Helper()
	p, err := compiler.CompileSource("sample.wf", []byte(sample), compiler.Options{Predeclared: names()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fn returns the function of p called name.
func fn(p *compiler.Program, name string) *compiler.Function {
	for _, f := range p.Funcs {
		if f.Name == name {
			return f
		}
	}
	panic("no function " + name)
}

// closure returns the first function of p that captures a variable.
func closure(p *compiler.Program) *compiler.Function {
	for _, f := range p.Funcs {
		if len(f.Captures) > 0 {
			return f
		}
	}
	panic("no closure")
}

// setOp rewrites the first instruction of f with opcode op to op arg.
func setOp(f *compiler.Function, op compiler.Opcode, arg uint32) {
	for pc, ins := range f.Code {
		if o, _ := compiler.Decode(ins); o == op {
			f.Code[pc] = compiler.Encode(op, arg)
			return
		}
	}
	panic("no " + op.String())
}

// TestDecodeRefuses: a file that is cut, altered, of another source, or
// whose program breaks an invariant the VM relies on is refused, even
// with a checksum that matches.
func TestDecodeRefuses(t *testing.T) {
	tamper := map[string]func(p *compiler.Program){
		"hash":             func(p *compiler.Program) { p.Hash[0] ^= 1 },
		"local":            func(p *compiler.Program) { f := fn(p, "counter"); setOp(f, compiler.MAKECELL, uint32(f.NumLocals)) },
		"constant":         func(p *compiler.Program) { setOp(p.Funcs[0], compiler.CONST, 99) },
		"global":           func(p *compiler.Program) { setOp(p.Funcs[0], compiler.SETGLOBAL, uint32(len(p.Globals))) },
		"builtin":          func(p *compiler.Program) { setOp(p.Funcs[0], compiler.BUILTIN, uint32(len(p.Builtins))) },
		"function":         func(p *compiler.Program) { setOp(p.Funcs[0], compiler.MAKEFUNC, uint32(len(p.Funcs))) },
		"capture":          func(p *compiler.Program) { closure(p).Captures[0].Index = 50 },
		"free":             func(p *compiler.Program) { setOp(closure(p), compiler.FREE, 1) },
		"max stack":        func(p *compiler.Program) { p.Funcs[0].MaxStack-- },
		"jump":             func(p *compiler.Program) { setOp(fn(p, "gen"), compiler.JMP, 1000) },
		"superinstruction": func(p *compiler.Program) { p.Funcs[0].Code[0] = compiler.Encode(compiler.LOCALADDLOCAL, 0) },
		"yield":            func(p *compiler.Program) { fn(p, "gen").Generator = false },
		"lines":            func(p *compiler.Program) { p.Funcs[0].Lines = p.Funcs[0].Lines[1:] },
		"decl":             func(p *compiler.Program) { p.Decls[0].Func = len(p.Funcs) },
		"local info":       func(p *compiler.Program) { fn(p, "counter").Locals[0].Slot = 99 },
		"params":           func(p *compiler.Program) { fn(p, "gen").NumParams = 5 },
		"no functions":     func(p *compiler.Program) { p.Funcs = nil },
	}
	for name, f := range tamper {
		t.Run(name, func(t *testing.T) {
			p := compileSample(t)
			f(p)
			data, err := Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Decode(data, []byte(sample)); !errors.Is(err, ErrInvalid) {
				t.Fatalf("accepted: %v", err)
			}
		})
	}
	data, err := Encode(compileSample(t))
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string][]byte{
		"empty":    nil,
		"cut":      data[:len(data)-3],
		"flipped":  append(append([]byte(nil), data[:len(data)-1]...), data[len(data)-1]^1),
		"header":   append([]byte("wf-program-cache-2\n"), data[len(magic):]...),
		"trailing": append(append([]byte(nil), data...), 0),
	}
	for name, d := range bad {
		if _, err := Decode(d, []byte(sample)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: accepted: %v", name, err)
		}
	}
	if _, err := Decode(data, []byte(sample+" ")); !errors.Is(err, ErrInvalid) {
		t.Errorf("another source: accepted: %v", err)
	}
}

// reseal recomputes the checksum of a cache file whose body was changed.
func reseal(data []byte) {
	sum := sha256.Sum256(data[len(magic)+sha256.Size:])
	copy(data[len(magic):], sum[:])
}

// TestDecodeNeverPanics: bodies with random bytes changed, under a valid
// checksum, are refused or verified; a verified one runs in the VM,
// within a step budget, to an end or an error, never a panic (which the
// VM would report as ErrInternal).
func TestDecodeNeverPanics(t *testing.T) {
	data, err := Encode(compileSample(t))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	for range 3000 {
		d := append([]byte(nil), data...)
		for range 1 + r.IntN(3) {
			d[len(magic)+sha256.Size+r.IntN(len(d)-len(magic)-sha256.Size)] = byte(r.Uint32())
		}
		reseal(d)
		p, err := Decode(d, []byte(sample))
		if err != nil {
			continue
		}
		accepted++
		if err := runVerified(p); err != nil {
			t.Fatalf("a verified program broke the VM: %v", err)
		}
	}
	t.Logf("%d of 3000 altered files passed Verify and ran", accepted)
}

// runVerified runs p within a step budget and returns the error only if
// it is the VM's own failure (a panic it recovered: ErrInternal).
func runVerified(p *compiler.Program) error {
	m, err := vm.New(p, vm.Options{Stdout: &bytes.Buffer{}, MaxSteps: 10_000})
	if err == nil {
		_, err = m.Run()
	}
	if errors.Is(err, vm.ErrInternal) {
		return err
	}
	return nil
}

// FuzzDecode: Decode of any bytes returns a verified program or an error.
func FuzzDecode(f *testing.F) {
	data, err := Encode(compileSample(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data[len(magic)+sha256.Size:])
	f.Fuzz(func(t *testing.T, body []byte) {
		d := append(append([]byte(magic), make([]byte, sha256.Size)...), body...)
		reseal(d)
		if p, err := Decode(d, []byte(sample)); err == nil {
			if err := runVerified(p); err != nil {
				t.Fatalf("a verified program broke the VM: %v", err)
			}
		}
	})
}

// TestCache: a stored program loads back for the same source, path and
// options, and for nothing else; a damaged file is a miss; WF_NO_CACHE
// turns the cache off.
func TestCache(t *testing.T) {
	c := OpenDir(t.TempDir())
	if c == nil {
		t.Fatal("no cache")
	}
	p := compileSample(t)
	if c.Load(p.File, p.Src, "x") != nil {
		t.Fatal("hit in an empty cache")
	}
	if err := c.Store(p, "x"); err != nil {
		t.Fatal(err)
	}
	if q := c.Load(p.File, p.Src, "x"); q == nil || q.Hash != p.Hash {
		t.Fatal("miss after Store")
	}
	for name, miss := range map[string]func() *compiler.Program{
		"source": func() *compiler.Program { return c.Load(p.File, append(p.Src, '\n'), "x") },
		"path":   func() *compiler.Program { return c.Load("other.wf", p.Src, "x") },
		"flavor": func() *compiler.Program { return c.Load(p.File, p.Src, "y") },
	} {
		if miss() != nil {
			t.Errorf("another %s: hit", name)
		}
	}
	path := c.path(p.File, p.Src, "x")
	data, _ := os.ReadFile(path)
	data[len(data)/2] ^= 0x40
	os.WriteFile(path, data, 0o600)
	if c.Load(p.File, p.Src, "x") != nil {
		t.Error("a damaged file loaded")
	}
	t.Setenv("WF_NO_CACHE", "1")
	if Open() != nil {
		t.Error("WF_NO_CACHE did not turn the cache off")
	}
}
