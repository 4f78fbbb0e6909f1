package bench

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestAgree runs every workload once at its tiny size on every engine and
// checks each result against native Go's answer.
func TestAgree(t *testing.T) {
	for _, w := range Workloads {
		for _, e := range Engines {
			t.Run(w.Name+"/"+e.Name, func(t *testing.T) {
				run, err := Prepare(e, w, w.TinyN)
				if errors.Is(err, ErrNA) {
					t.Skip("n/a")
				}
				if err != nil {
					t.Fatal(err)
				}
				got, err := run()
				if err != nil {
					t.Fatal(err)
				}
				want, ok := w.Want(w.TinyN)
				if !ok {
					if got <= 0 {
						t.Fatalf("got %d, want a positive size", got)
					}
					return
				}
				if got != want {
					t.Fatalf("got %d, want %d", got, want)
				}
			})
		}
	}
}

// TestNA pins which engines lack which workloads, so a missing script is
// not silently reported as n/a.
func TestNA(t *testing.T) {
	var na []string
	for _, w := range Workloads {
		for _, e := range Engines {
			if _, err := Prepare(e, w, w.TinyN); errors.Is(err, ErrNA) {
				na = append(na, w.Name+"/"+e.Name)
			}
		}
	}
	want := "generator/starlark generator/tengo startup/go " +
		"dump/gopher-lua dump/starlark dump/goja dump/tengo dump/go " +
		"load/gopher-lua load/starlark load/goja load/tengo load/go"
	if got := strings.Join(na, " "); got != want {
		t.Errorf("n/a cells:\n got %s\nwant %s", got, want)
	}
}

// TestCompare runs the interleaved harness at tiny sizes and checks the
// table has a row per workload and a column per engine.
func TestCompare(t *testing.T) {
	rep, err := Compare(Config{Rounds: 2, Tiny: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, name := range []string{"wf", "gopher-lua", "starlark", "goja", "tengo", "go"} {
		if !strings.Contains(out, name) {
			t.Errorf("table has no column %s:\n%s", name, out)
		}
	}
	for _, w := range Workloads {
		if !strings.Contains(out, "| "+w.Name+" ") {
			t.Errorf("table has no row %s:\n%s", w.Name, out)
		}
	}
	for _, r := range rep.Rows {
		for _, c := range r.Cells {
			if !c.NA && len(c.Samples) != 2 {
				t.Errorf("%s/%s: %d samples, want 2", r.Workload, c.Engine, len(c.Samples))
			}
		}
	}
}

// BenchmarkSuite is every workload on every engine at full size, named
// Suite/<workload>/engine=<engine> so that `benchstat -col /engine`
// prints the engines side by side.
func BenchmarkSuite(b *testing.B) {
	for _, w := range Workloads {
		b.Run(w.Name, func(b *testing.B) {
			for _, e := range Engines {
				b.Run("engine="+e.Name, func(b *testing.B) {
					run, err := Prepare(e, w, w.N)
					if errors.Is(err, ErrNA) {
						b.Skip("n/a")
					}
					if err != nil {
						b.Fatal(err)
					}
					want, known := w.Want(w.N)
					b.ReportAllocs()
					for b.Loop() {
						got, err := run()
						if err != nil {
							b.Fatal(err)
						}
						if known && got != want {
							b.Fatalf("got %d, want %d", got, want)
						}
						if w.Kind == Dump {
							b.ReportMetric(float64(got), "bytes")
						}
					}
				})
			}
		})
	}
}
