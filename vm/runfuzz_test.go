package vm_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// FuzzCompileRun feeds any source text to the compiler and, when it
// compiles, runs it under small budgets: the result must be a value or an
// error, never a panic (recovered: an internal error), a hang or a run
// past its step budget.
func FuzzCompileRun(f *testing.F) {
	for _, pattern := range []string{"../examples/*.wf", "../spec/conformance/*.wf", "../spec/conformance/*/*.wf"} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			if src, err := os.ReadFile(path); err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte(`fn g() { let x = yield 1; yield from g() } for v in g() { print(v) }`))
	f.Add([]byte(`let c = coroutine(fn(a) { current().parent.switch(a) }) print(c.switch(1))`))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := compiler.CompileSource("fuzz.wf", src, compiler.Options{Predeclared: vm.Universe()})
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		m, err := vm.New(p, vm.Options{
			Stdout:       io.Discard,
			Context:      ctx,
			MaxSteps:     20_000,
			MaxAlloc:     1 << 20,
			MaxCallDepth: 100,
		})
		if err != nil {
			return
		}
		_, err = m.Run()
		if errors.Is(err, vm.ErrInternal) {
			t.Fatalf("internal error: %v", err) // a panic, recovered
		}
		var re *vm.RuntimeError
		if errors.As(err, &re) {
			_ = re.Render(src) // showing the error must not panic either
		}
		if m.Steps() > 20_000+1<<16 {
			t.Fatalf("ran %d steps on a budget of 20,000", m.Steps())
		}
	})
}
