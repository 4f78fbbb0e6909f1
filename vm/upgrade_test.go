package vm_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// waitHost is the tests' wait: it suspends with its first argument, and
// the driver replies with that argument and "!".
var waitHost = &vm.Builtin{Name: "wait", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	return m.Suspend("wait", args[0])
}}

func compileWith(t testing.TB, name string, src []byte) *compiler.Program {
	t.Helper()
	p, err := vm.Compile(name, src, vm.CompileOptions{Hosts: []*vm.Builtin{waitHost}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stopAt runs p under opts to its n-th suspension and returns the
// snapshot, or false when the program ends or fails first.
func stopAt(p *compiler.Program, n int, opts vm.Options) ([]byte, bool) {
	if opts.Stdout == nil {
		opts.Stdout = &bytes.Buffer{}
	}
	m, err := vm.New(p, opts)
	if err != nil {
		return nil, false
	}
	s, err := m.Run()
	for i := 1; i < n && err == nil && s != nil; i++ {
		s, err = m.Resume(upgradeReply(s))
	}
	if err != nil || s == nil {
		return nil, false
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	return data, err == nil
}

// runTo is stopAt that fails the test when p does not get there.
func runTo(t testing.TB, p *compiler.Program, n int) []byte {
	t.Helper()
	data, ok := stopAt(p, n, vm.Options{})
	if !ok {
		t.Fatalf("the program does not stop a %d-th time", n)
	}
	return data
}

func upgradeReply(s *vm.Suspension) vm.Value {
	return vm.String(vm.Str(s.Request) + "!")
}

// finish restores data on p and resumes it to the end, returning its
// output.
func finish(t testing.TB, p *compiler.Program, data []byte, out *bytes.Buffer) string {
	t.Helper()
	m, err := vm.Restore(p, data, vm.Options{Stdout: out})
	if err != nil {
		t.Fatal(err)
	}
	s, pending := m.Pending()
	if !pending {
		t.Fatal("restored machine is not suspended")
	}
	for s != nil && err == nil {
		s, err = m.Resume(upgradeReply(s))
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestUpgradeCorpus runs each edit in testdata/upgrade: the old program
// stops at its n-th suspension, is upgraded to the new one, and must get
// the verdict given and, when it moves, print what is given.
func TestUpgradeCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/upgrade/*.txtar")
	if len(files) < 10 {
		t.Fatalf("only %d cases", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			parts := map[string][]byte{}
			for _, f := range ar.Files {
				parts[f.Name] = f.Data
			}
			want := strings.Split(strings.TrimSpace(string(parts["want"])), "\n")
			stop, _ := strconv.Atoi(strings.TrimPrefix(want[0], "stop "))
			oldP, newP := compileWith(t, "x.wf", parts["old.wf"]), compileWith(t, "y.wf", parts["new.wf"])
			data := runTo(t, oldP, stop)
			var out bytes.Buffer
			moved, rep, err := vm.Upgrade(newP, oldP.Map(), data, vm.Options{Stdout: &out})
			verdict, detail, _ := strings.Cut(want[1], ": ")
			if rep == nil {
				t.Fatalf("no report: %v", err)
			}
			if rep.Verdict.String() != verdict {
				t.Fatalf("verdict %q (%v), want %q", rep.Verdict, rep.Problems, want[1])
			}
			if detail != "" && !strings.Contains(rep.Reason(), detail) {
				t.Fatalf("reason %q, want it to contain %q", rep.Reason(), detail)
			}
			if rep.Verdict >= vm.NeedsHook {
				if !errors.Is(err, vm.ErrCannotMove) {
					t.Fatalf("error %v, want ErrCannotMove", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := strings.TrimSpace(finish(t, newP, moved, &out))
			if w := strings.Join(want[2:], "\n"); got != w {
				t.Fatalf("output:\n%s\nwant:\n%s", got, w)
			}
		})
	}
}

// TestUpgradeIdentity: upgrading to the same program changes nothing, at
// every suspension point of every program in the corpus.
func TestUpgradeIdentity(t *testing.T) {
	for _, c := range corpusPrograms(t) {
		p := compileWith(t, c.name, c.src)
		for stop := 1; ; stop++ {
			data, ok := stopAt(p, stop, vm.Options{})
			if !ok {
				break
			}
			moved, rep, err := vm.Upgrade(p, p.Map(), data, vm.Options{})
			if err != nil || rep.Verdict != vm.Moves {
				t.Fatalf("%s %s stop %d: %v %v", c.file, c.name, stop, err, rep)
			}
			if !bytes.Equal(moved, data) {
				t.Fatalf("%s %s stop %d: upgrading to the same program changed the snapshot", c.file, c.name, stop)
			}
		}
	}
}

// corpusProgram is one program of the upgrade corpus: an old.wf or a
// new.wf of a case.
type corpusProgram struct {
	file, name string
	src        []byte
}

func corpusPrograms(t testing.TB) []corpusProgram {
	t.Helper()
	files, _ := filepath.Glob("testdata/upgrade/*.txtar")
	var out []corpusProgram
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if strings.HasSuffix(f.Name, ".wf") {
				out = append(out, corpusProgram{file: file, name: f.Name, src: f.Data})
			}
		}
	}
	return out
}

// FuzzUpgrade upgrades a program stopped at a random suspension point to
// a random edit of it: every case either refuses with a reason or gives
// a snapshot that verifies and runs; never a panic.
func FuzzUpgrade(f *testing.F) {
	files, _ := filepath.Glob("testdata/upgrade/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var old, new []byte
		for _, x := range ar.Files {
			switch x.Name {
			case "old.wf":
				old = x.Data
			case "new.wf":
				new = x.Data
			}
		}
		f.Add(old, new, uint8(1))
		f.Add(old, old, uint8(2))
	}
	more, _ := filepath.Glob("../spec/conformance/*.wf")
	for _, file := range more { // programs with generators and coroutines to edit
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src, src, uint8(0))
		}
	}
	f.Fuzz(func(t *testing.T, old, new []byte, stop uint8) {
		oldP, err1 := vm.Compile("old.wf", old, vm.CompileOptions{Hosts: []*vm.Builtin{waitHost}})
		newP, err2 := vm.Compile("new.wf", new, vm.CompileOptions{Hosts: []*vm.Builtin{waitHost}})
		if err1 != nil || err2 != nil {
			return
		}
		data, ok := stopAt(oldP, int(stop%8)+1, vm.Options{MaxSteps: 100000, MaxAlloc: 1 << 20})
		if !ok {
			return
		}
		var out bytes.Buffer
		opts := vm.Options{Stdout: &out, MaxSteps: 100000, MaxAlloc: 1 << 20}
		moved, rep, err := vm.Upgrade(newP, oldP.Map(), data, opts)
		if err != nil {
			if rep == nil && !errors.Is(err, vm.ErrBadSnapshot) {
				t.Logf("refused: %v", err)
			}
			return
		}
		m, err := vm.Restore(newP, moved, opts)
		if err != nil {
			t.Fatalf("an upgrade the verifier refuses: %v", err)
		}
		s, pending := m.Pending()
		for i := 0; pending && s != nil && err == nil && i < 8; i++ {
			s, err = m.Resume(upgradeReply(s))
		}
	})
}

// TestVersionMarkers: a new machine takes every marker of its program; an
// upgraded one records the new program's markers as not taken and keeps
// the ones it had, through further upgrades; Markers reads them from a
// snapshot.
func TestVersionMarkers(t *testing.T) {
	v1 := compileWith(t, "v1.wf", []byte(`let ok = wait("a")
print(version("b"))`))
	v2 := compileWith(t, "v2.wf", []byte(`let ok = wait("a")
print(version("b"), version("c"))`))
	v3 := compileWith(t, "v3.wf", []byte(`let ok = wait("a")
print(version("b"), version("c"), version("d"))`))
	if got := strings.Join(v3.Markers, ","); got != "b,c,d" {
		t.Fatalf("markers %q", got)
	}
	fresh := runTo(t, v2, 1)
	if mk, err := vm.Markers(fresh); err != nil || !mk["b"] || !mk["c"] || len(mk) != 2 {
		t.Fatalf("fresh v2: %v %v", mk, err)
	}
	s1 := runTo(t, v1, 1)
	s2, _, err := vm.Upgrade(v2, v1.Map(), s1, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s3, _, err := vm.Upgrade(v3, v2.Map(), s2, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if mk, _ := vm.Markers(s3); !mk["b"] || mk["c"] || mk["d"] || len(mk) != 3 {
		t.Fatalf("v1 → v2 → v3: %v", mk)
	}
	var out bytes.Buffer
	if got := finish(t, v3, s3, &out); got != "true false false\n" {
		t.Fatalf("output %q", got)
	}
	if _, err := vm.Compile("x.wf", []byte(`let n = "b"
print(version(n))`), vm.CompileOptions{}); err == nil || !strings.Contains(err.Error(), "string literal") {
		t.Fatalf("a marker name that is no literal: %v", err)
	}
}

// TestUpgradeTailEdit: an edit after the last suspension point (a
// statement appended to the program) gives, after an upgrade at any
// suspension point, the output a fresh run of the new program gives with
// the same replies.
func TestUpgradeTailEdit(t *testing.T) {
	checked := 0
	for _, c := range corpusPrograms(t) {
		oldP := compileWith(t, c.name, c.src)
		newP := compileWith(t, c.name, append(append([]byte(nil), c.src...), "\nprint(\"the edited tail\")\n"...))
		var fresh bytes.Buffer
		finishFresh(t, newP, &fresh)
		for stop := 1; ; stop++ {
			var before bytes.Buffer
			data, ok := stopAt(oldP, stop, vm.Options{Stdout: &before})
			if !ok {
				break
			}
			moved, _, err := vm.Upgrade(newP, oldP.Map(), data, vm.Options{})
			if err != nil {
				t.Fatalf("%s %s stop %d: %v", c.file, c.name, stop, err)
			}
			var after bytes.Buffer
			if got := before.String() + finish(t, newP, moved, &after); got != fresh.String() {
				t.Fatalf("%s %s stop %d: output\n%s\nwant (a fresh run)\n%s", c.file, c.name, stop, got, fresh.String())
			}
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("only %d cases checked", checked)
	}
}

// finishFresh runs p from the start to its end with the same replies.
func finishFresh(t *testing.T, p *compiler.Program, out *bytes.Buffer) {
	t.Helper()
	m, err := vm.New(p, vm.Options{Stdout: out})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Run()
	for s != nil && err == nil {
		s, err = m.Resume(upgradeReply(s))
	}
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzUpgradeHostile upgrades damaged snapshots: whatever the bytes, an
// upgrade refuses with an error or gives a snapshot the verifier
// accepted; it never fails inside wf (a recovered panic is ErrInternal).
func FuzzUpgradeHostile(f *testing.F) {
	files, _ := filepath.Glob("testdata/upgrade/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		p := compileWith(f, "old.wf", ar.Files[0].Data)
		if data, ok := stopAt(p, 1, vm.Options{}); ok {
			f.Add(ar.Files[0].Data, data)
		}
	}
	f.Fuzz(func(t *testing.T, src, data []byte) {
		p, err := vm.Compile("old.wf", src, vm.CompileOptions{Hosts: []*vm.Builtin{waitHost}})
		if err != nil {
			return
		}
		opts := vm.Options{Stdout: io.Discard, MaxSteps: 100000, MaxAlloc: 1 << 20}
		moved, _, err := vm.Upgrade(p, p.Map(), data, opts)
		if errors.Is(err, vm.ErrInternal) {
			t.Fatalf("an upgrade failed inside wf: %v", err)
		}
		if err == nil {
			if _, err := vm.Restore(p, moved, opts); err != nil {
				t.Fatalf("an upgrade the verifier refuses: %v", err)
			}
		}
	})
}
