package dap

// The server is tested as an editor would drive it: a go-dap client on
// a pair of pipes sends requests and reads every message back. Each test
// keeps the transcript, requests and the messages they bring, as
// compact JSON, and compares it with a golden file in testdata (go test
// ./dap -update rewrites them); the assertions that matter most, where a
// reverse command stops and with which locals, are also made directly.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	godap "github.com/google/go-dap"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/debug"
	"github.com/wf-lang/wf/vm"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts")

// program adds up a list through a function, printing as it goes.
const program = `fn add(a, b) {
    let s = a + b
    return s
}

let total = 0
let items = [1, 2, 3]
for x in items {
    total = add(total, x)
    print("total", total)
}
let info = {"total": total, "items": items}
print("done", info)
`

// client drives a Server through pipes and records the transcript.
type client struct {
	t       *testing.T
	w       io.Writer
	r       *bufio.Reader
	seq     int
	dir     string // the program's directory, shown as $DIR
	log     bytes.Buffer
	served  chan error
	msgs    chan godap.Message
	readErr error
}

// launcher compiles the program at a.Program as wf debug would.
func launcher(a LaunchArgs, stdout io.Writer) (*debug.Session, func(), error) {
	src, err := os.ReadFile(a.Program)
	if err != nil {
		return nil, nil, err
	}
	p, err := compiler.CompileSource(a.Program, src, compiler.Options{Predeclared: vm.Universe()})
	if err != nil {
		return nil, nil, err
	}
	s, err := debug.New(debug.Config{Program: p, Options: vm.Options{Stdout: stdout}})
	return s, nil, err
}

// start serves a new Server over pipes; the program is written to a
// file named prog.wf.
func start(t *testing.T, src string) *client {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prog.wf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &client{t: t, w: inW, r: bufio.NewReader(outR), dir: dir, served: make(chan error, 1), msgs: make(chan godap.Message, 1000)}
	go c.receive()
	go func() {
		err := NewServer(launcher).Serve(inR, outW)
		outW.CloseWithError(errors.Join(err, io.EOF))
		c.served <- err
	}()
	t.Cleanup(func() { inW.Close(); outR.Close() })
	return c
}

// path is the program's path.
func (c *client) path() string { return filepath.Join(c.dir, "prog.wf") }

// record adds a message to the transcript, with the program's directory
// as $DIR and seq numbers as they are.
func (c *client) record(dir string, m any) {
	data, err := json.Marshal(m)
	if err != nil {
		c.t.Fatal(err)
	}
	line := strings.ReplaceAll(string(data), c.dir, "$DIR")
	fmt.Fprintf(&c.log, "%s %s\n", dir, line)
}

// send sends a request with the next seq.
func (c *client) send(command string, args any) int {
	c.t.Helper()
	c.seq++
	req := map[string]any{"seq": c.seq, "type": "request", "command": command}
	if args != nil {
		req["arguments"] = args
	}
	c.sendRaw(req)
	return c.seq
}

func (c *client) sendRaw(req any) {
	c.t.Helper()
	data, err := json.Marshal(req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.record("->", req)
	if err := godap.WriteBaseMessage(c.w, data); err != nil {
		c.t.Fatal(err)
	}
}

// read takes the next message, failing after a while: a hang is a bug.
func (c *client) read() godap.Message {
	c.t.Helper()
	select {
	case r, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("reading a message: %v", c.readErr)
		}
		c.record("<-", r)
		return r
	case <-time.After(10 * time.Second):
		c.t.Fatal("no message from the server in 10s")
	}
	return nil
}

// receive reads the server's messages as they come, as an editor does,
// so that the server never waits on the client to write.
func (c *client) receive() {
	defer close(c.msgs)
	for {
		m, err := godap.ReadProtocolMessage(c.r)
		if err != nil {
			c.readErr = err
			return
		}
		c.msgs <- m
	}
}

// until reads messages until one for which done reports true, and
// returns it.
func (c *client) until(done func(godap.Message) bool) godap.Message {
	c.t.Helper()
	for {
		if m := c.read(); done(m) {
			return m
		}
	}
}

// response reads up to the response to request seq and returns it.
func (c *client) response(seq int) godap.ResponseMessage {
	c.t.Helper()
	m := c.until(func(m godap.Message) bool {
		r, ok := m.(godap.ResponseMessage)
		return ok && r.GetResponse().RequestSeq == seq
	})
	return m.(godap.ResponseMessage)
}

// call sends a request and returns its response, which must succeed.
func (c *client) call(command string, args any) godap.ResponseMessage {
	c.t.Helper()
	r := c.response(c.send(command, args))
	if !r.GetResponse().Success {
		c.t.Fatalf("%s failed: %s", command, r.GetResponse().Message)
	}
	return r
}

// refused sends a request that must fail, and returns its message.
func (c *client) refused(command string, args any) string {
	c.t.Helper()
	r := c.response(c.send(command, args))
	if r.GetResponse().Success {
		c.t.Fatalf("%s succeeded; want an error", command)
	}
	return r.GetResponse().Message
}

// stopped reads up to the next stopped event.
func (c *client) stopped() godap.StoppedEventBody {
	c.t.Helper()
	m := c.until(func(m godap.Message) bool { _, ok := m.(*godap.StoppedEvent); return ok })
	return m.(*godap.StoppedEvent).Body
}

// move sends a move and reads up to the stop it announces.
func (c *client) move(command string) godap.StoppedEventBody {
	c.t.Helper()
	c.call(command, map[string]any{"threadId": 1})
	return c.stopped()
}

// top returns the innermost frame's function and line.
func (c *client) top() (string, int) {
	c.t.Helper()
	r := c.call("stackTrace", map[string]any{"threadId": 1}).(*godap.StackTraceResponse)
	f := r.Body.StackFrames[0]
	return f.Name, f.Line
}

// locals returns the innermost frame's locals as name=value.
func (c *client) locals() string {
	c.t.Helper()
	scopes := c.call("scopes", map[string]any{"frameId": 1}).(*godap.ScopesResponse)
	vars := c.call("variables", map[string]any{"variablesReference": scopes.Body.Scopes[0].VariablesReference}).(*godap.VariablesResponse)
	var parts []string
	for _, v := range vars.Body.Variables {
		parts = append(parts, v.Name+"="+v.Value)
	}
	return strings.Join(parts, " ")
}

// golden compares the transcript with testdata/NAME.golden.
func (c *client) golden(name string) {
	c.t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, c.log.Bytes(), 0o644); err != nil {
			c.t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatal(err)
	}
	if got := c.log.String(); got != string(want) {
		c.t.Errorf("transcript differs from %s (go test ./dap -update rewrites it):\n%s", path, got)
	}
}

// launch initializes, launches the program, sets breakpoints at lines and
// finishes the configuration.
func (c *client) launch(lines ...int) {
	c.t.Helper()
	c.call("initialize", map[string]any{"adapterID": "wf", "linesStartAt1": true})
	c.call("launch", map[string]any{"program": c.path()})
	c.until(func(m godap.Message) bool { _, ok := m.(*godap.InitializedEvent); return ok })
	var bps []map[string]any
	for _, l := range lines {
		bps = append(bps, map[string]any{"line": l})
	}
	c.call("setBreakpoints", map[string]any{"source": map[string]any{"path": c.path()}, "breakpoints": bps})
	c.call("configurationDone", nil)
}

// TestSession is a whole session: a breakpoint, the state there, steps
// forwards and backwards, reverseContinue to an earlier hit, and the run
// to the end.
func TestSession(t *testing.T) {
	c := start(t, program)
	c.launch(2)

	st := c.stopped()
	if st.Reason != "breakpoint" || len(st.HitBreakpointIds) != 1 {
		t.Fatalf("first stop: %+v, want the breakpoint", st)
	}
	if fn, line := c.top(); fn != "add" || line != 2 {
		t.Fatalf("first stop at %s:%d, want add:2", fn, line)
	}
	if got := c.locals(); got != "a=0 b=1" {
		t.Fatalf("locals at the first hit: %s", got)
	}
	c.call("scopes", map[string]any{"frameId": 2})
	globals := c.call("variables", map[string]any{"variablesReference": globalsRef}).(*godap.VariablesResponse)
	c.expand(globals.Body.Variables, "items", "[0]=1 [1]=2 [2]=3")
	ev := c.call("evaluate", map[string]any{"expression": "total", "frameId": 2}).(*godap.EvaluateResponse)
	if ev.Body.Result != "0" {
		t.Fatalf("evaluate total in frame 2: %q", ev.Body.Result)
	}

	c.move("next")
	if _, line := c.top(); line != 3 {
		t.Fatalf("next: at line %d, want 3", line)
	}
	back := c.move("stepBack")
	if _, line := c.top(); line != 2 || !strings.Contains(back.Description, "backwards") {
		t.Fatalf("stepBack: at line %d, %q", line, back.Description)
	}

	c.move("continue") // the second hit: a=1 b=2
	if got := c.locals(); got != "a=1 b=2" {
		t.Fatalf("locals at the second hit: %s", got)
	}
	c.move("continue") // the third: a=3 b=3
	rc := c.move("reverseContinue")
	fn, line := c.top()
	if rc.Reason != "breakpoint" || !strings.Contains(rc.Description, "reached going backwards") || fn != "add" || line != 2 {
		t.Fatalf("reverseContinue: %+v at %s:%d", rc, fn, line)
	}
	if got := c.locals(); got != "a=1 b=2" {
		t.Fatalf("reverseContinue: locals %s, want those of the second hit", got)
	}

	c.call("setBreakpoints", map[string]any{"source": map[string]any{"path": c.path()}, "breakpoints": []any{}})
	c.call("continue", map[string]any{"threadId": 1})
	c.until(func(m godap.Message) bool { _, ok := m.(*godap.TerminatedEvent); return ok })
	c.call("disconnect", nil)
	if err := <-c.served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	c.golden("session")
}

// expand finds the variable called name among vars, expands it and
// checks its children, as name=value.
func (c *client) expand(vars []godap.Variable, name, want string) {
	c.t.Helper()
	for _, v := range vars {
		if v.Name != name {
			continue
		}
		if v.VariablesReference == 0 {
			c.t.Fatalf("%s is not expandable", name)
		}
		kids := c.call("variables", map[string]any{"variablesReference": v.VariablesReference}).(*godap.VariablesResponse)
		var parts []string
		for _, k := range kids.Body.Variables {
			parts = append(parts, k.Name+"="+k.Value)
		}
		if got := strings.Join(parts, " "); got != want {
			c.t.Fatalf("%s expands to %s, want %s", name, got, want)
		}
		return
	}
	c.t.Fatalf("no variable %s", name)
}

// TestRefusals: requests that cannot be answered get error responses
// with a reason, and the conversation goes on.
func TestRefusals(t *testing.T) {
	c := start(t, program)
	for _, want := range []struct{ command, msg string }{
		{"stackTrace", "launch one first"},
		{"next", "launch one first"},
		{"launch", `no "program"`},
	} {
		if got := c.refused(want.command, map[string]any{}); !strings.Contains(got, want.msg) {
			t.Errorf("%s: %q, want %q", want.command, got, want.msg)
		}
	}
	if got := c.refused("launch", map[string]any{"program": filepath.Join(c.dir, "missing.wf")}); !strings.Contains(got, "missing.wf") {
		t.Errorf("launch of a missing file: %q", got)
	}
	if got := c.refused("launch", map[string]any{"program": 42}); !strings.Contains(got, "bad arguments") {
		t.Errorf("launch with a number for a path: %q", got)
	}
	c.seq++
	c.sendRaw(map[string]any{"seq": c.seq, "type": "request", "command": "flyToTheMoon"})
	if r := c.response(c.seq).GetResponse(); r.Success || !strings.Contains(r.Message, `unsupported request "flyToTheMoon"`) {
		t.Errorf("an unknown command: %+v", r)
	}
	c.seq++
	c.sendRaw(map[string]any{"seq": c.seq, "type": "request", "command": "next", "arguments": "nonsense"})
	if r := c.response(c.seq).GetResponse(); r.Success {
		t.Errorf("arguments of the wrong type: %+v", r)
	}

	c.call("initialize", map[string]any{"adapterID": "wf"})
	c.call("launch", map[string]any{"program": c.path(), "stopOnEntry": true})
	bps := c.call("setBreakpoints", map[string]any{"source": map[string]any{"path": c.path()},
		"breakpoints": []any{map[string]any{"line": 5}, map[string]any{"line": 9}, map[string]any{"line": 9, "condition": "x >"},
			map[string]any{"line": 9, "hitCondition": "often"}}}).(*godap.SetBreakpointsResponse)
	if b := bps.Body.Breakpoints; len(b) != 4 || b[0].Verified || !b[1].Verified || b[2].Verified || !strings.Contains(b[0].Message, "no code") ||
		!strings.Contains(b[2].Message, "<expr>:1:4") || b[3].Verified || !strings.Contains(b[3].Message, "hit condition") {
		t.Errorf("breakpoints: %+v", b)
	}
	c.call("configurationDone", nil)
	if st := c.stopped(); st.Reason != "entry" {
		t.Errorf("stopOnEntry: %+v", st)
	}
	for _, want := range []struct {
		command string
		args    any
		msg     string
	}{
		{"stepBack", map[string]any{"threadId": 1}, "already at the start"},
		{"reverseContinue", map[string]any{"threadId": 1}, "already at the start"},
		{"stepOut", map[string]any{"threadId": 1}, "no caller"},
		{"launch", map[string]any{"program": c.path()}, "already running"},
		{"variables", map[string]any{"variablesReference": 999}, "no variables with reference 999"},
		{"scopes", map[string]any{"frameId": 7}, "no frame 7"},
		{"evaluate", map[string]any{"expression": "nope"}, `<expr>:1:1: undefined: nope`},
		{"evaluate", map[string]any{"expression": "1 +"}, `<expr>:1:4: unexpected`},
		{"setVariable", map[string]any{"variablesReference": objectRef + 1, "name": "x", "value": "1"}, "only a frame's locals and the globals"},
		{"setVariable", map[string]any{"variablesReference": globalsRef, "name": "total", "value": "1"}, `no global "total"`},
		{"restartFrame", map[string]any{"frameId": 1}, "already at the start"},
		{"gotoTargets", map[string]any{"source": map[string]any{"path": c.path()}, "line": 5}, "no code"},
		{"gotoTargets", map[string]any{"source": map[string]any{"path": "/elsewhere.wf"}, "line": 2}, "not part of the program"},
		{"goto", map[string]any{"threadId": 1, "targetId": -5}, "no target"},
		{"evaluate", map[string]any{"expression": " "}, "nothing to evaluate"},
	} {
		if got := c.refused(want.command, want.args); !strings.Contains(got, want.msg) {
			t.Errorf("%s: %q, want %q", want.command, got, want.msg)
		}
	}
	c.call("continue", map[string]any{"threadId": 1})
	c.until(func(m godap.Message) bool { _, ok := m.(*godap.StoppedEvent); return ok }) // line 9
	c.call("disconnect", nil)
	c.golden("refusals")
}

// TestFailure: a program that fails stops with reason exception where it
// failed, and can be stepped back from.
func TestFailure(t *testing.T) {
	c := start(t, "let xs = [1]\nlet y = xs[0] + 1\nprint(xs[y])\n")
	c.launch()
	st := c.stopped()
	if st.Reason != "exception" || !strings.Contains(st.Text, "index") {
		t.Fatalf("failure: %+v", st)
	}
	if got := c.refused("next", map[string]any{"threadId": 1}); !strings.Contains(got, "ended") {
		t.Errorf("next after the failure: %q", got)
	}
	c.move("stepBack")
	if _, line := c.top(); line != 3 {
		t.Errorf("stepBack from the failure: line %d, want 3", line)
	}
	if v := c.call("evaluate", map[string]any{"expression": "y"}).(*godap.EvaluateResponse); v.Body.Result != "2" {
		t.Errorf("y = %s", v.Body.Result)
	}
	c.call("disconnect", nil)
	c.golden("failure")
}

// TestBrokenStream: a stream that breaks the base protocol ends Serve
// with an error instead of hanging or reading without bound.
func TestBrokenStream(t *testing.T) {
	for _, in := range []string{
		"Content-Length: 99999999999\r\n\r\n{}",
		"Content-Type: json\r\n\r\n{}",
		"Content-Length: 10\n\n{}",
	} {
		var out bytes.Buffer
		if err := NewServer(launcher).Serve(strings.NewReader(in), &out); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
	var out bytes.Buffer
	if err := NewServer(launcher).Serve(strings.NewReader("Content-Length: 2\r\n\r\n{}"), &out); err != nil || !strings.Contains(out.String(), "not a request") {
		t.Errorf("a message that is not a request: %v, %q", err, out.String())
	}
}

// TestBeyondStepping drives what goes beyond stepping: a conditional
// breakpoint, a hit count, a logpoint (its past hits printed when set),
// evaluate of an expression, setVariable and the new run it makes,
// restartFrame, gotoTargets and goto, a data breakpoint found forwards
// and backwards, and pause.
func TestBeyondStepping(t *testing.T) {
	c := start(t, program)
	c.call("initialize", map[string]any{"adapterID": "wf"})
	c.call("launch", map[string]any{"program": c.path()})
	src := map[string]any{"path": c.path()}
	c.call("setBreakpoints", map[string]any{"source": src, "breakpoints": []any{map[string]any{"line": 2, "condition": "b == 2"}}})
	c.call("configurationDone", nil)
	st := c.stopped()
	if got := c.locals(); st.Reason != "breakpoint" || got != "a=1 b=2" {
		t.Fatalf("conditional breakpoint: %+v %s", st, got)
	}
	ev := c.call("evaluate", map[string]any{"expression": "[a, b, a * 10 + b]", "frameId": 1}).(*godap.EvaluateResponse)
	if ev.Body.Result != "[1, 2, 12]" || ev.Body.Type != "list" {
		t.Fatalf("evaluate: %+v", ev.Body)
	}
	// A hit count: the third hit of line 9 (x is 3), and a logpoint on
	// line 10, whose past hits print at once.
	c.call("setBreakpoints", map[string]any{"source": src, "breakpoints": []any{
		map[string]any{"line": 9, "hitCondition": "3"},
		map[string]any{"line": 10, "logMessage": "total is {total} after {x}"}}})
	if st := c.move("continue"); st.Reason != "breakpoint" {
		t.Fatalf("hit count: %+v", st)
	}
	for _, want := range []string{`"[step 29] total is 1 after 1\n"`, `"[step 47] total is 3 after 2\n"`} {
		if !strings.Contains(c.log.String(), want) {
			t.Errorf("no logpoint output %s", want)
		}
	}
	if ev := c.call("evaluate", map[string]any{"expression": "x", "frameId": 1}).(*godap.EvaluateResponse); ev.Body.Result != "3" {
		t.Fatalf("the third hit has x = %s", ev.Body.Result)
	}
	// setVariable: total becomes 100 from here on.
	sv := c.call("setVariable", map[string]any{"variablesReference": globalsRef, "name": "total", "value": "total * 0 + 100"}).(*godap.SetVariableResponse)
	if sv.Body.Value != "100" {
		t.Fatalf("setVariable: %+v", sv.Body)
	}
	c.until(func(m godap.Message) bool { _, ok := m.(*godap.InvalidatedEvent); return ok })
	c.call("setBreakpoints", map[string]any{"source": src, "breakpoints": []any{map[string]any{"line": 3}}})
	c.move("continue")
	if got := c.locals(); got != "a=100 b=3 s=103" {
		t.Fatalf("after setVariable: %s", got)
	}
	// restartFrame: back to the entry of add, with its arguments.
	c.call("restartFrame", map[string]any{"frameId": 1})
	st = c.stopped()
	if fn, line := c.top(); fn != "add" || line != 2 || !strings.Contains(st.Description, "reached going backwards") || c.locals() != "a=100 b=3" {
		t.Fatalf("restartFrame: %s:%d %+v %s", fn, line, st, c.locals())
	}
	// gotoTargets lists the steps line 10 ran at; goto the first.
	gt := c.call("gotoTargets", map[string]any{"source": src, "line": 10}).(*godap.GotoTargetsResponse)
	if len(gt.Body.Targets) != 2 {
		t.Fatalf("goto targets: %+v", gt.Body.Targets)
	}
	c.call("goto", map[string]any{"threadId": 1, "targetId": gt.Body.Targets[0].Id})
	if st := c.stopped(); !strings.Contains(st.Description, "goto") || !strings.Contains(st.Description, "reached going backwards") {
		t.Fatalf("goto: %+v", st)
	}
	if ev := c.call("evaluate", map[string]any{"expression": "total"}).(*godap.EvaluateResponse); ev.Body.Result != "1" {
		t.Fatalf("total at the first hit of line 10: %s", ev.Body.Result)
	}
	// A data breakpoint on total: where it changes, forwards and back.
	c.call("setBreakpoints", map[string]any{"source": src, "breakpoints": []any{}})
	info := c.call("dataBreakpointInfo", map[string]any{"variablesReference": globalsRef, "name": "total"}).(*godap.DataBreakpointInfoResponse)
	c.call("setDataBreakpoints", map[string]any{"breakpoints": []any{map[string]any{"dataId": info.Body.DataId}}})
	if st := c.move("continue"); st.Reason != "data breakpoint" || !strings.Contains(st.Description, "1 -> 3") {
		t.Fatalf("data breakpoint forwards: %+v", st)
	}
	if st := c.move("reverseContinue"); st.Reason != "data breakpoint" || !strings.Contains(st.Description, "0 -> 1") || !strings.Contains(st.Description, "backwards") {
		t.Fatalf("data breakpoint backwards: %+v", st)
	}
	if r := c.call("setDataBreakpoints", map[string]any{"breakpoints": []any{map[string]any{"dataId": "frame:x"}}}).(*godap.SetDataBreakpointsResponse); r.Body.Breakpoints[0].Verified {
		t.Fatalf("a bad dataId: %+v", r.Body)
	}
	c.call("pause", map[string]any{"threadId": 1})
	if st := c.stopped(); st.Reason != "pause" {
		t.Fatalf("pause: %+v", st)
	}
	c.call("disconnect", nil)
	c.golden("beyond")
}

// TestLogExpr turns log messages into wf string literals.
func TestLogExpr(t *testing.T) {
	for msg, want := range map[string]string{
		"plain":          `"plain"`,
		"x={x}, y={y+1}": `"x=${x}, y=${y+1}"`,
		`say "hi" \ $5`:  `"say \"hi\" \\ \$5"`,
		"{{literal}} {":  `"{literal} {"`,
	} {
		if got := logExpr(msg); got != want {
			t.Errorf("logExpr(%q) = %s, want %s", msg, got, want)
		}
	}
}

// TestPause: a pause request stops a run that would never end by
// itself, where it is, and the session goes on from there.
func TestPause(t *testing.T) {
	c := start(t, "let n = 0\nprint(\"looping\")\nwhile true {\n    n += 1\n}\n")
	c.call("initialize", map[string]any{"adapterID": "wf"})
	c.call("launch", map[string]any{"program": c.path()})
	c.call("configurationDone", nil) // runs: no breakpoints, no end
	c.until(func(m godap.Message) bool { _, ok := m.(*godap.OutputEvent); return ok })
	c.call("pause", map[string]any{"threadId": 1})
	st := c.stopped()
	if st.Reason != "pause" {
		t.Fatalf("pause: %+v", st)
	}
	ev := c.call("evaluate", map[string]any{"expression": "n >= 0"}).(*godap.EvaluateResponse)
	if ev.Body.Result != "true" {
		t.Fatalf("n after running a while: %+v", ev.Body)
	}
	if st := c.move("stepBack"); !strings.Contains(st.Description, "reached going backwards") {
		t.Fatalf("stepBack after a pause: %+v", st)
	}
	c.call("disconnect", nil)
}
