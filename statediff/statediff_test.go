package statediff

import (
	"strings"
	"testing"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// TestDiffOfStacks: the diff of two stack views of one run names the
// local that appeared, the one that changed, and the frame that was
// pushed, by name and index, and nothing else.
func TestDiffOfStacks(t *testing.T) {
	p, err := compiler.CompileSource("d.wf", []byte(`let g = 1
fn f(a) {
    let b = a * 2
    return b
}
g = f(g + 1)
`), compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := vm.New(p, vm.Options{})
	at := func(step int64) *vm.StackView {
		m.Pause(step, nil)
		m.Run()
		return m.Stack(vm.ViewOptions{})
	}
	a := at(3)
	var b *vm.StackView
	m.Pause(0, func(m *vm.Machine) bool { v, ok := m.Local(0, "b"); return ok && v.AsInt() == 4 })
	m.Run()
	b = m.Stack(vm.ViewOptions{})
	text := diffText(t, a, b)
	for _, want := range []string{
		"+ frames[1]:", `"function":"f"`,
		"~ steps: 3 -> ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("diff lacks %q:\n%s", want, text)
		}
	}
	same, _ := Diff(b, b)
	if len(same) != 0 {
		t.Errorf("a view differs from itself: %v", same)
	}
}

// TestDiffKeys: records are matched by name, then id; other lists by
// index; additions and removals have one side.
func TestDiffKeys(t *testing.T) {
	a := map[string]any{"locals": []any{map[string]any{"name": "x", "v": 1}, map[string]any{"name": "y", "v": 2}}, "l": []any{1, 2}}
	b := map[string]any{"locals": []any{map[string]any{"name": "w", "v": 0}, map[string]any{"name": "y", "v": 3}}, "l": []any{1}}
	got := diffText(t, a, b)
	want := `- l[1]: 2
+ locals.w: {"name":"w","v":0}
- locals.x: {"name":"x","v":1}
~ locals.y.v: 2 -> 3`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := Diff(make(chan int), 1); err == nil {
		t.Error("a value that is not JSON diffed")
	}
}

// diffText is Diff(a, b) as lines.
func diffText(t *testing.T, a, b any) string {
	t.Helper()
	changes, err := Diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range changes {
		lines = append(lines, c.String())
	}
	return strings.Join(lines, "\n")
}
