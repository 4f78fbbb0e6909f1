// This file defines BenchmarkLoopForms: the branchy integer loop of the
// bench suite's loopadd in the forms a script author writes it, each
// beside the same loop in native Go.

package vm_test

import (
	"io"
	"strings"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// loopForm is one way of writing loopadd: src runs the loop (N_ITER
// stands for loopN) and native is the same loop in Go. A form whose
// source has its own count (a literal too big for an INT word) gives
// it as n.
type loopForm struct {
	name   string
	src    string
	native func(n int64) int64
	n      int64
}

// loopN is the iterations of every loop form.
const loopN = 3000000

// loopForms are the forms: at the top level (variables are globals, a
// range loop's variable a local of the top level) or in a function;
// while or range; s = s + i or s += i; % 2, % 3 or % 7; n a literal, a
// global or a parameter.
var loopForms = []loopForm{
	{"top/while/+=/mod3", `
let s = 0
let i = 0
while i < N_ITER {
    if i % 3 == 0 { s += i } else { s += 1 }
    i += 1
}
result(s)`, nativeMod3, 0},
	{"top/while/plus/mod2", `
let s = 0
let i = 0
while i < N_ITER {
    if i % 2 == 0 {
        s = s + i
    } else {
        s = s + 1
    }
    i = i + 1
}
result(s)`, nativeMod2, 0},
	{"top/while/plus/mod2/global-n", `
let n = N_ITER
let s = 0
let i = 0
while i < n {
    if i % 2 == 0 {
        s = s + i
    } else {
        s = s + 1
    }
    i = i + 1
}
result(s)`, nativeMod2, 0},
	{"top/range/plus/mod2", `
let s = 0
for i in range(N_ITER) {
    if i % 2 == 0 {
        s = s + i
    } else {
        s = s + 1
    }
}
result(s)`, nativeMod2, 0},
	{"top/range/+=/mod3", `
let s = 0
for i in range(N_ITER) {
    if i % 3 == 0 { s += i } else { s += 1 }
}
result(s)`, nativeMod3, 0},
	{"top/while/mod7-in-arm", `
let total = 0
let i = 0
while i < N_ITER {
    if i % 7 == 0 {
        total = total + i % 7
    } else {
        total = total + i
    }
    i += 1
}
result(total)`, nativeMod7, 0},
	{"top/range/mod7-in-arm", `
let s = 0
for i in range(N_ITER) {
    if i % 7 == 0 {
        s = s + i % 7
    } else {
        s = s + i
    }
}
result(s)`, nativeMod7, 0},
	{"top/while/let-r/mod7", `
let s = 0
let i = 0
while i < N_ITER {
    let r = i % 7
    if r == 0 { s = s + i } else { s = s + 1 }
    i = i + 1
}
result(s)`, nativeMod7Plain, 0},
	{"fn/while/+=/mod3", `
fn loopadd(n) {
    let s = 0
    let i = 0
    while i < n {
        if i % 3 == 0 { s += i } else { s += 1 }
        i += 1
    }
    return s
}
result(loopadd(N_ITER))`, nativeMod3, 0},
	{"fn/range/plus/mod2", `
fn loopadd(n) {
    let s = 0
    for i in range(n) {
        if i % 2 == 0 {
            s = s + i
        } else {
            s = s + 1
        }
    }
    return s
}
result(loopadd(N_ITER))`, nativeMod2, 0},
	{"fn/while/global-n/mod2", `
let n = N_ITER
fn loopadd() {
    let s = 0
    let i = 0
    while i < n {
        if i % 2 == 0 { s = s + i } else { s = s + 1 }
        i = i + 1
    }
    return s
}
result(loopadd())`, nativeMod2, 0},
	{"fn/while/big-literal/mod7", `
fn loopadd() {
    let s = 0
    let i = 0
    while i < 9000000 {
        if i % 7 == 0 { s = s + i % 7 } else { s = s + i }
        i = i + 1
    }
    return s
}
result(loopadd())`, nativeMod7, 9000000},
}

//go:noinline
func nativeMod2(n int64) int64 {
	var s int64
	for i := int64(0); i < n; i++ {
		if i%2 == 0 {
			s += i
		} else {
			s++
		}
	}
	return s
}

//go:noinline
func nativeMod3(n int64) int64 {
	var s int64
	for i := int64(0); i < n; i++ {
		if i%3 == 0 {
			s += i
		} else {
			s++
		}
	}
	return s
}

//go:noinline
func nativeMod7(n int64) int64 {
	var s int64
	for i := int64(0); i < n; i++ {
		if i%7 == 0 {
			s += i % 7
		} else {
			s += i
		}
	}
	return s
}

//go:noinline
func nativeMod7Plain(n int64) int64 {
	var s int64
	for i := int64(0); i < n; i++ {
		if i%7 == 0 {
			s += i
		} else {
			s++
		}
	}
	return s
}

// loopSource is a form's script with its iteration count.
func loopSource(f loopForm) string {
	return strings.ReplaceAll(f.src, "N_ITER", "3000000")
}

// BenchmarkLoopForms runs every form in wf (engine=wf) and in Go
// (engine=go), checking that both agree, and reports CPU time per
// operation beside the wall time: compare wf with go for the ratio.
func BenchmarkLoopForms(b *testing.B) {
	for _, f := range loopForms {
		n := int64(loopN)
		if f.n != 0 {
			n = f.n
		}
		want := f.native(n)
		b.Run(f.name+"/engine=wf", func(b *testing.B) {
			p, hosts := compileResult(b, loopSource(f))
			got := runCPU(b, func() int64 { return runResult(b, p, hosts) })
			if got != want {
				b.Fatalf("wf got %d, Go %d", got, want)
			}
		})
		b.Run(f.name+"/engine=go", func(b *testing.B) {
			runCPU(b, func() int64 { return f.native(n) })
		})
	}
}

// compileResult compiles src with a host function result(n), which
// stores n where the returned hosts' holder can read it.
func compileResult(b *testing.B, src string) (*compiler.Program, *resultHost) {
	b.Helper()
	p, err := compiler.CompileSource("loop.wf", []byte(src), compiler.Options{Predeclared: append(vm.Universe(), "result")})
	if err != nil {
		b.Fatal(err)
	}
	h := &resultHost{}
	h.hosts = []*vm.Builtin{{Name: "result", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		h.got = args[0].AsInt()
		return vm.Nil, nil
	}}}
	return p, h
}

// resultHost holds the host function result and what it was last given.
type resultHost struct {
	hosts []*vm.Builtin
	got   int64
}

// runResult runs p on a fresh machine and returns what it passed to
// result.
func runResult(b *testing.B, p *compiler.Program, h *resultHost) int64 {
	m, err := vm.New(p, vm.Options{Hosts: h.hosts, Stdout: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		b.Fatal(err)
	}
	return h.got
}

// runCPU runs op b.N times and reports its CPU time per operation as
// cpu-ns/op, and returns op's last result.
func runCPU(b *testing.B, op func() int64) int64 {
	var r int64
	cpu0, ok := cpuTime()
	for b.Loop() {
		r = op()
	}
	if cpu1, _ := cpuTime(); ok {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
	return r
}
