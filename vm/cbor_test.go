package vm

import (
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/wf-lang/wf/compiler"
)

// TestCBORWriterMatchesLibrary checks the hand-written writer against
// fxamacker/cbor's deterministic encoder on the item types snapshots use.
func TestCBORWriterMatchesLibrary(t *testing.T) {
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1.5, 65504, 65505, 1e-8, 3.4028234663852886e38,
		1e39, 0.1, math.Inf(1), math.Inf(-1), math.NaN(), math.Float64frombits(0x7ff8000000000001),
		math.SmallestNonzeroFloat64, 5.960464477539063e-8, 6.103515625e-05}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		floats = append(floats, r.NormFloat64()*math.Pow(10, float64(r.IntN(80)-40)), float64(float32(r.Float64())), float64(r.IntN(70000))/4)
	}
	for _, f := range floats {
		var w cborWriter
		w.float(f)
		want, err := encMode.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, w.b); diff != "" {
			t.Fatalf("float %v (%#x): (-library +writer)\n%s", f, math.Float64bits(f), diff)
		}
	}
	ints := []int64{0, 1, 23, 24, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, math.MaxInt64, -1, -24, -25, -256, -257, math.MinInt64}
	for _, i := range ints {
		var w cborWriter
		w.int(i)
		want, _ := encMode.Marshal(i)
		if diff := cmp.Diff(want, w.b); diff != "" {
			t.Fatalf("int %d: (-library +writer)\n%s", i, diff)
		}
	}
}

// TestSnapshotIsCanonical decodes snapshots with the library and encodes
// them again with its deterministic mode: the bytes must not change.
func TestSnapshotIsCanonical(t *testing.T) {
	src := `
let shared = [1, 2.5, "x", nil, true, {"k": -7, "f": 1e300, "n": 0.1}]
fn gen(a) {
    let local = [shared, shared]
    let sent = yield a
    yield sent
}
let g = gen(3)
g.next()
let c = coroutine(fn(x) { current().parent.switch(x) })
c.switch(1)
let err = error("kind", "message")
stop()
`
	m := stoppedMachine(t, src)
	data, err := m.Snapshot(SnapshotOptions{EmbedProgram: true})
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := cbor.Unmarshal(data, &tree); err != nil {
		t.Fatal(err)
	}
	again, err := encMode.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(again, data); diff != "" {
		t.Errorf("snapshot is not in canonical form (-library +ours):\n%s", diff)
	}
}

// stoppedMachine runs src until it calls the host function stop().
func stoppedMachine(t *testing.T, src string) *Machine {
	t.Helper()
	p, err := compiler.CompileSource("canon.wf", []byte(src), compiler.Options{Predeclared: append(Universe(), "stop")})
	if err != nil {
		t.Fatal(err)
	}
	stop := &Builtin{Name: "stop", Fn: func(m *Machine, _ []Value) (Value, error) { return m.Suspend("stop", Nil) }}
	m, err := New(p, Options{Stdout: io.Discard, Hosts: []*Builtin{stop}})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.Run(); err != nil || s == nil {
		t.Fatalf("run: %v %v", s, err)
	}
	return m
}

// TestCheckWellFormed: the decoder's CBOR check accepts the items
// snapshots use and refuses, with a bad-snapshot error, what the format
// rules out: maps, tags, indefinite lengths, other simple values, nesting
// past the limit, lengths past the end, trailing bytes.
func TestCheckWellFormed(t *testing.T) {
	nest := func(n int) []byte {
		b := make([]byte, n+1)
		for i := range n {
			b[i] = 0x81
		}
		b[n] = 0x00
		return b
	}
	for _, c := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"int", []byte{0x18, 0x20}, true},
		{"negint", []byte{0x38, 0x20}, true},
		{"array of text, bytes, null, undefined, bools, floats", []byte{0x88, 0x61, 'a', 0x41, 0, 0xf6, 0xf7, 0xf4, 0xf5, 0xf9, 0x3c, 0x00, 0xfb, 0, 0, 0, 0, 0, 0, 0, 0}, true},
		{"nested 15", nest(15), true},
		{"nested 16", nest(16), false},
		{"map", []byte{0xa1, 0x00, 0x00}, false},
		{"tag", []byte{0xc1, 0x00}, false},
		{"indefinite array", []byte{0x9f, 0xff}, false},
		{"indefinite text", []byte{0x7f, 0xff}, false},
		{"reserved", []byte{0x1c}, false},
		{"simple value", []byte{0xf0}, false},
		{"simple value 32", []byte{0xf8, 0x20}, false},
		{"string past the end", []byte{0x62, 'a'}, false},
		{"array past the end", []byte{0x83, 0x00}, false},
		{"huge array", []byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false},
		{"truncated head", []byte{0x19, 0x01}, false},
		{"trailing bytes", []byte{0x00, 0x00}, false},
		{"empty", nil, false},
	} {
		err := checkWellFormed(c.in)
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrBadSnapshot) {
			t.Errorf("%s: got %v, want ok=%v (errors wrapping ErrBadSnapshot)", c.name, err, c.ok)
		}
	}
}

// TestReaderValues: the reader decodes every value form the encoder
// writes back to the same value.
func TestReaderValues(t *testing.T) {
	vals := []Value{Nil, True, False, Int(0), Int(23), Int(24), Int(-25), Int(math.MaxInt64), Int(math.MinInt64),
		Float(0.5), Float(1e300), Float(math.Inf(-1)), String(""), String("héllo"), String("a longer string than sixteen bytes"), Bytes([]byte{1, 2})}
	var w cborWriter
	e := &encoder{}
	for _, v := range vals {
		e.value(&w, v)
	}
	d := &decoder{r: cborReader{b: w.b}}
	for _, want := range vals {
		got, err := d.value()
		same, _ := Equal(got, want)
		if err != nil || !same || got.k != want.k {
			t.Errorf("decoded %v (%v), want %v", got, err, want)
		}
	}
	if d.r.off != len(w.b) {
		t.Errorf("read %d of %d bytes", d.r.off, len(w.b))
	}
}
