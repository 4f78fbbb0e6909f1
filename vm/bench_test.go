package vm_test

import (
	"io"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// compileBench compiles src or fails the benchmark.
func compileBench(b testing.TB, src string) *compiler.Program {
	b.Helper()
	p, err := compiler.CompileSource("bench.wf", []byte(src), compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// runBench runs a whole program per iteration through the public API.
func runBench(b *testing.B, src string) {
	p := compileBench(b, src)
	b.ReportAllocs()
	for b.Loop() {
		m, err := vm.New(p, vm.Options{Stdout: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFib27(b *testing.B) {
	runBench(b, `
fn fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
fib(27)
`)
}

func BenchmarkNumericLoop(b *testing.B) {
	runBench(b, `
fn f() {
    let s = 0
    for i in range(3000000) { s += i * i % 7 }
    return s
}
f()
`)
}

func BenchmarkBranchyLoop(b *testing.B) {
	runBench(b, `
fn f() {
    let k = 0
    let s = 0
    let i = 0
    while i < 3000000 {
        k = k + 1
        if k >= 100 { k = 0 }
        s = s + k
        i += 1
    }
    return s
}
f()
`)
}

// BenchmarkTopLevelLoop is the bench suite's loopadd: a branchy integer
// loop at the top level, whose variables are globals.
func BenchmarkTopLevelLoop(b *testing.B) {
	runBench(b, `
let s = 0
let i = 0
while i < 3000000 {
    if i % 3 == 0 {
        s += i
    } else {
        s += 1
    }
    i += 1
}
`)
}

// BenchmarkTopLevelRange is loopadd with a range loop: s is a global, i a
// local of the top level.
func BenchmarkTopLevelRange(b *testing.B) {
	runBench(b, `
let s = 0
for i in range(3000000) {
    if i % 3 == 0 {
        s += i
    } else {
        s += 1
    }
}
`)
}

func BenchmarkStringBuild(b *testing.B) {
	runBench(b, `
fn f() {
    let parts = []
    for i in range(200000) { parts.push(str(i)) }
    return len(",".join(parts))
}
f()
`)
}

func BenchmarkMapCount(b *testing.B) {
	runBench(b, `
fn f() {
    let vocab = []
    for i in range(1000) { vocab.push("w" + str(i)) }
    let counts = {}
    let x = 1
    for i in range(200000) {
        x = (x * 1103515245 + 12345) % 2147483648
        let w = vocab[x % 1000]
        counts[w] = counts.get(w, 0) + 1
    }
    return len(counts)
}
f()
`)
}

func BenchmarkGeneratorResume(b *testing.B) {
	runBench(b, `
fn gen(n) {
    let i = 0
    while i < n { yield i; i += 1 }
}
fn f() {
    let s = 0
    for x in gen(1000000) { s += x }
    return s
}
f()
`)
}

// BenchmarkCallComparator sorts with a .wf comparator: 200,000 calls
// from a Go builtin back into .wf through Machine.Call.
func BenchmarkCallComparator(b *testing.B) {
	runBench(b, `
fn f() {
    let xs = []
    let x = 1
    for i in range(12000) {
        x = (x * 1103515245 + 12345) % 2147483648
        xs.push(x)
    }
    return sort(xs, fn(a, b) { return a - b })
}
f()
`)
}

// BenchmarkMakeClosure builds 200,000 closures that capture a variable
// each and keeps them, then 200,000 that capture nothing: the cost of
// creating function values and of the heap they take.
func BenchmarkMakeClosure(b *testing.B) {
	runBench(b, `
fn f() {
    let keep = []
    for i in range(200000) {
        let k = i
        keep.push(fn() { return k })
    }
    let n = 0
    for i in range(200000) {
        let g = fn() { return 1 }
        n += 1
    }
    return len(keep) + n
}
f()
`)
}

// BenchmarkCallFromGo calls a small .wf function from Go on a finished
// machine, as an embedder's request handler would: one fiber per call.
func BenchmarkCallFromGo(b *testing.B) {
	p := compileBench(b, `fn handle(x) { return x * 2 + 1 }`)
	m, err := vm.New(p, vm.Options{Stdout: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		b.Fatal(err)
	}
	handle, _ := m.Global("handle")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Call(handle, vm.Int(20)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkManyGenerators keeps 10,000 generators suspended at once, as a
// store of waiting workflows would: the bytes per op are mostly their
// stacks.
func BenchmarkManyGenerators(b *testing.B) {
	runBench(b, `
fn g(i) { yield i }
let gs = []
for i in range(10000) { let x = g(i); x.next(); gs.push(x) }
`)
}

const approvalSrc = `
fn approval() {
    yield "do something"
    let approved = yield "ask boss for permission"
    if approved { yield "do another after approved" } else { yield "do another after rejected" }
}
let g = approval()
g.next()
g.next()
let state = suspend(g)
`

// suspendedApproval runs the essay's approval generator to its second
// yield and returns the machine and the generator, handed out by a host
// function.
func suspendedApproval(b *testing.B) (*vm.Machine, vm.Value) {
	var g vm.Value
	hosts := []*vm.Builtin{{Name: "suspend", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		g = args[0]
		return m.Suspend("suspend", vm.Nil)
	}}}
	p, err := compiler.CompileSource("approval.wf", []byte(approvalSrc), compiler.Options{Predeclared: append(vm.Universe(), "suspend")})
	if err != nil {
		b.Fatal(err)
	}
	m, err := vm.New(p, vm.Options{Hosts: hosts, Stdout: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		b.Fatal(err)
	}
	return m, g
}

func BenchmarkDumpApproval(b *testing.B) {
	m, g := suspendedApproval(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		data, err := m.Dump(g)
		if err != nil {
			b.Fatal(err)
		}
		n = len(data)
	}
	b.ReportMetric(float64(n), "bytes")
}

func BenchmarkLoadApproval(b *testing.B) {
	m, g := suspendedApproval(b)
	data, err := m.Dump(g)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Load(data); err != nil {
			b.Fatal(err)
		}
	}
}
