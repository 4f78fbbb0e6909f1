package vm_test

// This file defines FuzzQuickenIsInvisible: TestQuickenIsInvisible's
// check on any program the compiler takes.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// FuzzQuickenIsInvisible runs any program that compiles with and without
// superinstructions (and so with and without the int kernel), to its end
// and stopped by a few step budgets, and fails if the output, the error,
// the steps or the snapshot of the stopped state differ.
func FuzzQuickenIsInvisible(f *testing.F) {
	for _, src := range quickSources() {
		f.Add([]byte(src), uint16(7))
	}
	files, _ := filepath.Glob("../spec/conformance/*.wf")
	for _, path := range files {
		if src, err := os.ReadFile(path); err == nil {
			f.Add(src, uint16(100))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, stride uint16) {
		on, off := compileBoth(src)
		if on == nil {
			return
		}
		end := runBudget(t, on, 20_000)
		if other := runBudget(t, off, 20_000); end != other {
			t.Fatalf("quickened: %s\nplain: %s", end, other)
		}
		step := int64(stride%512) + 1
		for n := int64(1); n < 20_000 && n < 40*step; n += step {
			if a, b := runBudget(t, on, n), runBudget(t, off, n); a != b {
				t.Fatalf("budget %d: quickened %.200q, plain %.200q", n, a, b)
			}
		}
	})
}

// compileBoth compiles src twice and prepares one program with
// superinstructions and one without (a program keeps the code it was
// first prepared with), or returns nils.
func compileBoth(src []byte) (on, off *compiler.Program) {
	if on, off = prepared(src, true), prepared(src, false); on == nil || off == nil {
		return nil, nil
	}
	return on, off
}

// prepared compiles src and prepares it with superinstructions on or
// off, or returns nil.
func prepared(src []byte, quick bool) *compiler.Program {
	defer vm.SetQuicken(quick)()
	p, err := compiler.CompileSource("fuzz.wf", src, compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		return nil
	}
	if _, err := vm.New(p, vm.Options{Stdout: io.Discard}); err != nil {
		return nil
	}
	return p
}

// runBudget runs p under a budget of n steps and describes how it
// ended: output, error, steps, and the snapshot when the budget stopped it.
func runBudget(t *testing.T, p *compiler.Program, n int64) string {
	t.Helper()
	var out bytes.Buffer
	m, err := vm.New(p, vm.Options{Stdout: &out, MaxSteps: n, MaxAlloc: 1 << 20, MaxCallDepth: 100})
	if err != nil {
		return "new: " + err.Error()
	}
	_, err = m.Run()
	s := fmt.Sprintf("%q %v steps %d", out.String(), err, m.Steps())
	if data, serr := m.Snapshot(vm.SnapshotOptions{}); serr == nil {
		s += fmt.Sprintf(" %x", data)
	}
	return s
}
