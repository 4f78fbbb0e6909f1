package vm_test

// Tests of the JSON form of values (View) and of Inspect's report built
// from it: exact output for a small value, sharing and cycles, every
// limit, and a bounded report for a deep workflow sharing a large state.

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/vm"
)

// valueOf runs src, which hands a value to capture(), and returns it.
func valueOf(t *testing.T, src string) vm.Value {
	t.Helper()
	var got vm.Value
	capture := &vm.Builtin{Name: "capture", Fn: func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
		got = args[0]
		return vm.Nil, nil
	}}
	m, err := vm.New(compile(t, src, "capture"), vm.Options{Stdout: io.Discard, Hosts: []*vm.Builtin{capture}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	return got
}

// marshal encodes v as compact JSON, as json.Marshal does but with <, >
// and & left as they are (as wf inspect --json prints).
func marshal(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// TestViewGolden pins the JSON form of a small value holding every
// scalar kind, a list shared twice and a list that contains itself.
func TestViewGolden(t *testing.T) {
	v := valueOf(t, `
let shared = [1, 2]
let self = ["<&>"]
self.push(self)
capture({"a": shared, "b": shared, "self": self, "n": nil, "t": true, "f": 2.5, "big": 9007199254740993,
    "nan": float("nan"), "inf": -float("inf"), "s": "é\n", "by": bytes("AB"), "fn": print, "r": range(3)})
`)
	var got bytes.Buffer
	if err := json.Indent(&got, marshal(t, vm.View(v, vm.ViewOptions{})), "", " "); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(viewGolden, got.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

const viewGolden = `{
 "value": {
  "kind": "map",
  "ref": 1,
  "len": 13,
  "repr": "{\"a\": [1, 2], \"b\": [1, 2], \"self\": [\"<&>\", [...]], \"n\": nil, \"t\": true, \"f\": 2.5, \"big\": 9007199254740993, \"nan\": nan, \"inf\": -inf, \"s\": \"é\\n\", \"by\": b\"AB\", \"fn\": <builtin print>, \"r\": range(0, 3, 1)..."
 },
 "objects": [
  {
   "id": 1,
   "kind": "map",
   "entries": [
    {
     "key": {
      "kind": "string",
      "value": "a",
      "repr": "\"a\""
     },
     "value": {
      "kind": "list",
      "ref": 2,
      "len": 2,
      "repr": "[1, 2]"
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "b",
      "repr": "\"b\""
     },
     "value": {
      "kind": "list",
      "ref": 2,
      "len": 2,
      "repr": "[1, 2]"
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "self",
      "repr": "\"self\""
     },
     "value": {
      "kind": "list",
      "ref": 3,
      "len": 2,
      "repr": "[\"<&>\", [...]]"
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "n",
      "repr": "\"n\""
     },
     "value": {
      "kind": "nil",
      "repr": "nil"
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "t",
      "repr": "\"t\""
     },
     "value": {
      "kind": "bool",
      "value": true,
      "repr": "true"
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "f",
      "repr": "\"f\""
     },
     "value": {
      "kind": "float",
      "value": 2.5,
      "repr": "2.5"
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "big",
      "repr": "\"big\""
     },
     "value": {
      "kind": "int",
      "value": 9007199254740993,
      "repr": "9007199254740993"
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "nan",
      "repr": "\"nan\""
     },
     "value": {
      "kind": "float",
      "value": "nan",
      "repr": "nan"
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "inf",
      "repr": "\"inf\""
     },
     "value": {
      "kind": "float",
      "value": "-inf",
      "repr": "-inf"
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "s",
      "repr": "\"s\""
     },
     "value": {
      "kind": "string",
      "value": "é\n",
      "repr": "\"é\\n\""
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "by",
      "repr": "\"by\""
     },
     "value": {
      "kind": "bytes",
      "value": "QUI=",
      "repr": "b\"AB\""
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "fn",
      "repr": "\"fn\""
     },
     "value": {
      "kind": "builtin",
      "value": "print",
      "repr": "<builtin print>"
     }
    },
    {
     "key": {
      "kind": "string",
      "value": "r",
      "repr": "\"r\""
     },
     "value": {
      "kind": "range",
      "ref": 4,
      "repr": "range(0, 3, 1)"
     }
    }
   ]
  },
  {
   "id": 2,
   "kind": "list",
   "elems": [
    {
     "kind": "int",
     "value": 1,
     "repr": "1"
    },
    {
     "kind": "int",
     "value": 2,
     "repr": "2"
    }
   ]
  },
  {
   "id": 3,
   "kind": "list",
   "elems": [
    {
     "kind": "string",
     "value": "<&>",
     "repr": "\"<&>\""
    },
    {
     "kind": "list",
     "ref": 3,
     "len": 2,
     "repr": "[\"<&>\", [...]]"
    }
   ]
  },
  {
   "id": 4,
   "kind": "range",
   "range": [
    0,
    3,
    1
   ]
  }
 ]
}`

// TestViewRoundTrip: a view survives encoding/json both ways unchanged,
// ints beyond 2^53 included.
func TestViewRoundTrip(t *testing.T) {
	v := valueOf(t, `
let l = [9223372036854775807, -9223372036854775807 - 1, 0.1, float("nan"), "x", bytes("\x00\xff"), nil]
l.push(l)
capture({"l": l, "e": error("kind", "msg"), "f": fn(x) { return l }})
`)
	r := vm.View(v, vm.ViewOptions{})
	data := marshal(t, r)
	var back vm.ValueReport
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, &back); diff != "" {
		t.Errorf("decoded view differs (-view +decoded):\n%s", diff)
	}
	if again := marshal(t, &back); !bytes.Equal(again, data) {
		t.Errorf("re-encoded view differs:\n%s\n%s", data, again)
	}
	if !bytes.Contains(data, []byte(`"value":9223372036854775807,`)) {
		t.Errorf("the largest int is not exact in %s", data)
	}
}

// TestViewObjects checks the entries of functions, errors, generators
// and iterators.
func TestViewObjects(t *testing.T) {
	v := valueOf(t, `
fn gen(n) { let k = n * 2; yield k }
let g = gen(4)
g.next()
fn counter() {
    let count = 7
    return fn() { return count }
}
let f = counter()
let e = error("my_kind", "went wrong")
capture([f, e, g])
`)
	r := vm.View(v, vm.ViewOptions{})
	objs := r.Objects
	if len(objs) != 4 {
		t.Fatalf("%d objects, want 4: %+v", len(objs), objs)
	}
	f, e, g := objs[1], objs[2], objs[3]
	if f.Kind != "function" || f.Function != "anonymous function" || f.Position != "test.wf:7:12" ||
		len(f.Captured) != 1 || f.Captured[0].Name != "count" || f.Captured[0].Value.Repr != "7" {
		t.Errorf("function: %+v", f)
	}
	if e.Kind != "error" || e.ErrorKind != "my_kind" || e.Message != "went wrong" {
		t.Errorf("error: %+v", e)
	}
	if g.Kind != "generator" || g.Function != "gen" || g.Status != "suspended" || len(g.Frames) != 1 {
		t.Fatalf("generator: %+v", g)
	}
	fr := g.Frames[0]
	if fr.Function != "gen" || fr.Position != "test.wf:2:28" || len(fr.Locals) != 2 ||
		fr.Locals[0].Name != "n" || fr.Locals[1].Name != "k" || fr.Locals[1].Value.Repr != "8" {
		t.Errorf("generator frame: %+v", fr)
	}
}

// TestViewLimits: each limit cuts what it bounds, visibly.
func TestViewLimits(t *testing.T) {
	t.Run("elements", func(t *testing.T) {
		r := vm.View(valueOf(t, `capture(list(range(10)))`), vm.ViewOptions{MaxElems: 3})
		if r.Value.Len != 10 || len(r.Objects[0].Elems) != 3 || !r.Objects[0].Truncated || !r.Truncated {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("string", func(t *testing.T) {
		r := vm.View(valueOf(t, `capture("é" * 100)`), vm.ViewOptions{MaxString: 5, MaxRepr: 9})
		if string(r.Value.Value) != `"éé"` || r.Value.Len != 200 || !r.Value.Truncated || r.Value.Repr != `"éééé...` {
			t.Errorf("got %+v (value %s)", r.Value, r.Value.Value)
		}
	})
	t.Run("objects", func(t *testing.T) {
		r := vm.View(valueOf(t, `capture([[1], [2], [3]])`), vm.ViewOptions{MaxObjects: 2})
		elems := r.Objects[0].Elems
		if len(r.Objects) != 2 || elems[0].Ref != 2 || elems[1].Ref != 0 || !elems[1].Truncated || elems[1].Repr != "[2]" || !r.Truncated {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		opts := vm.ViewOptions{MaxBytes: 100_000}
		r := vm.View(valueOf(t, `capture(["some words " * 20] * 100000)`), opts)
		if n := len(marshal(t, r)); n > opts.MaxBytes+4096 || !r.Truncated || !r.Objects[0].Truncated {
			t.Errorf("%d bytes of JSON for a limit of %d, truncated %v", n, opts.MaxBytes, r.Truncated)
		}
	})
}

// TestViewSharedExponential: a value whose text doubles with each level
// (x = [x, x], 40 times) is viewed in bounded time and size: 41 objects,
// each with a cut preview.
func TestViewSharedExponential(t *testing.T) {
	r := vm.View(valueOf(t, `
let x = [1]
for i in range(40) { x = [x, x] }
capture(x)
`), vm.ViewOptions{})
	if len(r.Objects) != 41 || len(r.Value.Repr) > 203 || r.Truncated {
		t.Errorf("%d objects, repr of %d bytes, truncated %v", len(r.Objects), len(r.Value.Repr), r.Truncated)
	}
}

// sharedDeepProgram is a workflow 300 calls deep whose every frame holds
// the same large state (20,000 records, a 1 MB snapshot).
const sharedDeepProgram = `
let state = {"items": []}
for i in range(20000) { state["items"].push({"id": i, "note": "some text to make it bigger " + str(i)}) }
fn walk(n, s) {
    if n == 0 { return ask("go") }
    return walk(n - 1, s)
}
walk(300, state)
`

// TestInspectSharedDeep: the state every frame shares is listed once and
// referred to from each frame, and the report stays small. Each frame
// printed the whole state: wf show wrote 356 MB (6 s, 880 MB of memory)
// for this workflow.
func TestInspectSharedDeep(t *testing.T) {
	p := compile(t, sharedDeepProgram, "ask")
	m, err := vm.New(p, vm.Options{Hosts: []*vm.Builtin{askHost}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ins, err := vm.Inspect(p, data, vm.InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	size := len(marshal(t, ins))
	if size > 1<<20 {
		t.Errorf("report of %d bytes for a %d-byte snapshot; want under 1 MiB", size, len(data))
	}
	frames := ins.Object(ins.Fibers[0]).Frames
	if len(frames) != 302 {
		t.Fatalf("%d frames, want 302", len(frames))
	}
	state := ins.Globals[0].Value.Ref
	for _, fr := range frames[1:] {
		if s := fr.Locals[1]; s.Name != "s" || s.Value.Ref != state {
			t.Fatalf("frame %+v: s is not #%d", fr, state)
		}
	}
	maps := 0
	for _, o := range ins.Objects {
		if o.Kind == "map" && len(o.Entries) == 1 && o.Entries[0].Key.Repr == `"items"` {
			maps++
		}
	}
	if maps != 1 {
		t.Errorf("the state is listed %d times, want once", maps)
	}
}
