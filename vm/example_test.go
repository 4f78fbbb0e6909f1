package vm_test

// The package's runnable examples: the main ways to embed a machine.

import (
	"fmt"
	"log"
	"math"
	"os"
	"strings"

	"github.com/wf-lang/wf/vm"
)

// Run a program to its end and read what it left in its globals.
func Example() {
	src := []byte(`let total = 0
for n in [3, 4, 5] { total += n * n }
print("sum of squares:", total)`)
	prog, err := vm.Compile("squares.wf", src, vm.CompileOptions{})
	if err != nil {
		log.Fatal(err)
	}
	m, err := vm.New(prog, vm.Options{Stdout: os.Stdout})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		log.Fatal(err)
	}
	total, _ := m.Global("total")
	fmt.Println("total in Go:", total.AsInt())
	// Output:
	// sum of squares: 50
	// total in Go: 50
}

const flowSrc = `let answer = ask("ship order-1?")
print("the answer was", answer)
fn handle(order) { return "handled " + order }
`

// The README's "Embedding in Go": a host function that suspends the
// machine, a snapshot, a restore that resumes it with the reply, and a
// call into the finished program. The lines between the README markers
// are the README's, character for character (TestReadmeEmbedding).
func Example_embedding() {
	src := []byte(flowSrc)
	// README begin
	ask := &vm.Builtin{Name: "ask", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		var question vm.Value
		if err := vm.UnpackArgs("ask", args, "question", &question); err != nil {
			return vm.Nil, err
		}
		return m.Suspend("ask", question) // stop the whole machine with a request
	}}
	prog, err := vm.Compile("flow.wf", src, vm.CompileOptions{Hosts: []*vm.Builtin{ask}})
	m, err := vm.New(prog, vm.Options{})
	susp, err := m.Run() // susp.Request is what the script asked
	state, err := m.Snapshot(vm.SnapshotOptions{})
	// ... days later, in another process, with prog compiled the same way:
	m2, err := vm.Restore(prog, state, vm.Options{})
	_, err = m2.Resume(vm.Bool(true)) // true is the result of ask(...)
	handle, _ := m2.Global("handle")  // a finished program's functions stay callable
	v, err := m2.Call(handle, vm.String("order-1"))
	// README end
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("asked:", vm.Repr(susp.Request))
	fmt.Println("called:", vm.Repr(v))
	// Output:
	// the answer was true
	// asked: "ship order-1?"
	// called: "handled order-1"
}

// A host function checks its arguments with UnpackArgs; a wrong call is a
// catchable wf error with the standard library's wording.
func ExampleUnpackArgs() {
	repeat := &vm.Builtin{Name: "repeat", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		var s string
		n := int64(2)
		if err := vm.UnpackArgs("repeat", args, "s", &s, "n?", &n); err != nil {
			return vm.Nil, err
		}
		return vm.String(strings.Repeat(s, int(max(n, 0)))), nil
	}}
	prog, err := vm.Compile("repeat.wf", []byte(`print(repeat("ab"), repeat("c", 3))
try { repeat(1) } catch e { print(e.kind, e.message) }
try { repeat("a", 1, 2) } catch e { print(e.kind, e.message) }`), vm.CompileOptions{Hosts: []*vm.Builtin{repeat}})
	if err != nil {
		log.Fatal(err)
	}
	m, err := vm.New(prog, vm.Options{Stdout: os.Stdout})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// abab ccc
	// type_error repeat: argument 1 (s) must be a string, got int
	// argument_error repeat takes at most 2 arguments, got 3
}

// Call a .wf function from Go on a machine whose program has finished,
// as a handler for each request; a throw comes back as a *RuntimeError.
func ExampleMachine_Call() {
	prog, err := vm.Compile("handler.wf", []byte(`let seen = 0
fn handle(req) {
    seen += 1
    if req["amount"] > 100 { throw error("too_large", "amount over 100") }
    return "ok " + req["id"]
}`), vm.CompileOptions{})
	if err != nil {
		log.Fatal(err)
	}
	m, err := vm.New(prog, vm.Options{MaxSteps: 1_000_000})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		log.Fatal(err)
	}
	handle, _ := m.Global("handle")
	for _, doc := range []string{`{"id": "a", "amount": 5}`, `{"id": "b", "amount": 500}`} {
		req, err := vm.FromJSON([]byte(doc))
		if err != nil {
			log.Fatal(err)
		}
		v, err := m.Call(handle, req)
		fmt.Println(vm.Repr(v), err)
	}
	seen, _ := m.Global("seen")
	fmt.Println("seen:", vm.Repr(seen))
	// Output:
	// "ok a" <nil>
	// nil too_large: amount over 100
	// traceback (most recent call last):
	//   handler.wf:4:30: in handle
	// seen: 2
}

// Convert between JSON and wf values, by json_encode's and json_decode's
// rules.
func ExampleToJSON() {
	v, err := vm.FromJSON([]byte(`{"b": [1, 2.0, null], "a": "x"}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(vm.Repr(v))
	out, err := vm.ToJSON(v)
	fmt.Println(string(out), err)
	_, err = vm.ToJSON(vm.Float(math.Inf(1)))
	fmt.Println(err)
	// Output:
	// {"b": [1, 2.0, nil], "a": "x"}
	// {"b":[1,2.0,null],"a":"x"} <nil>
	// value_error: cannot encode inf
}
