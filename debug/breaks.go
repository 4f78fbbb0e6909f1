package debug

// This file defines breakpoints: on a line or a function's entry, on an
// event from outside (a wait's reply, an activity's result), with a
// condition, a hit count, or a message to log instead of stopping.
//
// Everything a breakpoint looks at is a function of the timeline: the
// boundary, the one before it, the machine's state there, and how many
// times the breakpoint was hit since the start of the run. So a reverse
// command finds exactly the stops a forward one would.

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/wf-lang/wf/vm"
)

// Breakpoint stops Continue (and RContinue) at a line, at the entry of
// a function, or after an event.
type Breakpoint struct {
	ID    int
	Line  int    // a line with code, or 0
	Func  string // a function's name, or ""
	Event string // "wait", "signal" or "activity", or ""
	// Cond, if set, must hold (be neither nil nor false) in the frame hit.
	Cond *Expr
	// Hits, if set, is a hit condition on the count of hits (with Cond
	// holding) from the start of the run up to and including this one:
	// "N" or ">= N" (the Nth and later), "> N", "== N", or "% N" (every
	// Nth).
	Hits string
	// Log, if set, makes the breakpoint a logpoint: at each hit it prints
	// "[step S] line L: <Log's value>" and does not stop.
	Log *Expr

	message bool   // print Log's value as text
	condErr string // why Cond could not be evaluated at the last hit
	hitOp   string
	hitN    int64
	counts  *hitCounter
}

func (b *Breakpoint) String() string {
	var s string
	switch {
	case b.Func != "":
		s = "function " + b.Func
	case b.Event != "":
		s = "event " + b.Event
	default:
		s = "line " + itoa(b.Line)
	}
	if b.Cond != nil {
		s += " if " + b.Cond.Text
	}
	if b.Hits != "" {
		s += " hit " + b.Hits
	}
	return s
}

// hits reports whether b's place is at cur, reached from prev.
func (b *Breakpoint) hits(prev, cur vm.Location) bool {
	if b.Func != "" {
		return cur.PC == 0 && cur.Fn.Name == b.Func && (cur.Depth > prev.Depth || cur.Fn != prev.Fn)
	}
	return cur.Line() == b.Line && isStatement(prev, cur)
}

// at reports whether b stops (or logs) at the boundary cur of machine m,
// reached from prev; ev is the event that came in between, if any.
func (b *Breakpoint) at(s *Session, m *vm.Machine, prev, cur vm.Location, ev *event) bool {
	switch {
	case b.Event != "":
		if ev == nil || !ev.is(b.Event) {
			return false
		}
	case cur.Fn == nil || !b.hits(prev, cur):
		return false
	}
	b.condErr = ""
	if b.Cond != nil {
		r, err := b.Cond.Eval(m, 0)
		if err != nil { // it stops, and says why, so that the condition can be fixed
			b.condErr = firstLine(err.Error())
		} else if !r.Truthy() {
			return false
		}
	}
	if b.hitOp == "" {
		return true
	}
	return b.hitOK(b.counts.count(s, b, m.Steps()))
}

// hitOK applies the hit condition to the count of hits so far.
func (b *Breakpoint) hitOK(n int64) bool {
	switch b.hitOp {
	case ">":
		return n > b.hitN
	case "==":
		return n == b.hitN
	case "%":
		return n%b.hitN == 0
	}
	return n >= b.hitN
}

// parseHits reads a hit condition.
func (b *Breakpoint) parseHits(text string) error {
	t := strings.TrimSpace(text)
	if t == "" {
		return nil
	}
	op := ">="
	for _, o := range []string{">=", "==", ">", "%"} {
		if rest, ok := strings.CutPrefix(t, o); ok {
			op, t = o, strings.TrimSpace(rest)
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 1 {
		return fmt.Errorf("hit condition %q: want N, >= N, > N, == N or %% N with N a positive number", text)
	}
	b.Hits, b.hitOp, b.hitN, b.counts = strings.TrimSpace(text), op, n, &hitCounter{}
	return nil
}

// event is something that came from outside between two boundaries: the
// reply to a host suspension (wait, sleep, an activity) or a host
// function's result.
type event struct {
	host    string
	reply   bool // a reply to a suspension
	nilPart bool // the value was nil (a wait that timed out)
}

// is reports whether e is an event of kind: "wait" a reply to wait or
// sleep, "signal" a reply to wait carrying a value, "activity" a reply
// to any other host's suspension.
func (e *event) is(kind string) bool {
	switch kind {
	case "wait":
		return e.reply && (e.host == "wait" || e.host == "sleep")
	case "signal":
		return e.reply && e.host == "wait" && !e.nilPart
	case "activity":
		return e.reply && e.host != "wait" && e.host != "sleep"
	}
	return false
}

// eventKinds are the events a breakpoint can name.
var eventKinds = []string{"wait", "signal", "activity"}

// noteEvent records an event at the cursor's step.
func (s *Session) noteEvent(e event) {
	s.events++
	s.lastEvent = e
}

// event returns the event that came since a condition last looked
// (*seen is the event count it saw), and updates *seen.
func (s *Session) event(seen *int64) *event {
	if *seen == s.events {
		return nil
	}
	*seen = s.events
	return &s.lastEvent
}

// hitCounter counts a breakpoint's hits from the start of the run with a
// machine of its own, restored from the start and run forwards, kept
// between counts so that counting forwards is linear; a count before
// the last one restarts it.
type hitCounter struct {
	m      *vm.Machine
	c      *breakCond
	n      int64 // hits up to m's step
	judged bool  // the boundary at m's step is counted in n
}

// count returns how many times b hit from the start to step, step
// included: b hits there.
func (h *hitCounter) count(s *Session, b *Breakpoint, step int64) int64 {
	saved, savedEv := s.events, s.lastEvent
	defer func() { s.events, s.lastEvent = saved, savedEv }()
	if h.m == nil || h.m.Steps() > step {
		m, err := s.fresh()
		if err != nil {
			return 0
		}
		h.m, h.n, h.judged, h.c = m, 0, false, &breakCond{s: s}
		h.c.start(m)
	}
	if h.m.Steps() < step {
		_ = s.runOther(h.m, step, func(m *vm.Machine) bool {
			cur := m.Location()
			ev := s.event(&h.c.events)
			if m.Steps() < step && cur.Fn != nil && b.placeHolds(s, m, h.c.prev, cur, ev) {
				h.n++
			}
			h.c.prev = cur
			return false
		})
		h.judged = false
	}
	if !h.judged {
		h.n, h.judged = h.n+1, true
	}
	return h.n
}

// placeHolds is at without the hit condition.
func (b *Breakpoint) placeHolds(s *Session, m *vm.Machine, prev, cur vm.Location, ev *event) bool {
	op := b.hitOp
	b.hitOp = ""
	defer func() { b.hitOp = op }()
	return b.at(s, m, prev, cur, ev)
}

// fresh returns a machine at the start of the timeline that prints
// nothing, for a scan of its own.
func (s *Session) fresh() (*vm.Machine, error) {
	opts := s.opts
	opts.Stdout = io.Discard
	if s.base.data == nil {
		return vm.New(s.prog, opts)
	}
	return vm.Restore(s.prog, s.base.data, opts)
}

// runOther runs m, a machine of the session's program other than the
// cursor's, to step with stop watching, answering suspensions from the
// log. It goes no further than the steps already run.
func (s *Session) runOther(m *vm.Machine, step int64, stop func(*vm.Machine) bool) error {
	step = min(step, s.frontier)
	if err := m.Pause(step, stop); err != nil {
		return err
	}
	susp, pending := m.Pending()
	var err error
	if !pending {
		susp, err = m.Run()
	}
	for err == nil && susp != nil {
		data, ok := s.log.replies[m.Steps()]
		if !ok {
			return nil
		}
		var v vm.Value
		if v, err = m.Load(data); err != nil {
			return err
		}
		s.noteEvent(event{host: susp.Host, reply: true, nilPart: v.IsNil()})
		susp, err = resume(m, v, s.log.thrown[m.Steps()])
	}
	if errors.Is(err, vm.ErrPaused) {
		return nil
	}
	return err
}

// logHits prints what the session's logpoints log at boundary cur,
// reached from prev.
func (s *Session) logHits(m *vm.Machine, prev, cur vm.Location, ev *event) {
	for _, b := range s.breaks {
		if b.Log != nil && b.at(s, m, prev, cur, ev) {
			s.printLog(b, m)
		}
	}
}

// printLog prints a logpoint's message at the boundary m stands at.
func (s *Session) printLog(b *Breakpoint, m *vm.Machine) {
	r, err := b.Log.Eval(m, 0)
	switch {
	case err != nil:
		fmt.Fprintf(s.logOut(), "[step %d] logpoint %d, line %d: error: %s\n", m.Steps(), b.ID, m.Location().Line(), firstLine(err.Error()))
	case b.message && r.Value.Kind() == vm.KindString:
		fmt.Fprintf(s.logOut(), "[step %d] %s\n", m.Steps(), r.Value.AsString())
	default:
		fmt.Fprintf(s.logOut(), "[step %d] logpoint %d, line %d: %s = %s\n", m.Steps(), b.ID, m.Location().Line(), b.Log.Text, r.Repr())
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// logOut is where logpoints print: Config.LogOut, else the program's
// output.
func (s *Session) logOut() io.Writer {
	if s.logW != nil {
		return s.logW
	}
	return s.out.w
}

// pastLogs prints a new logpoint's hits from the start of the run to the
// furthest step run so far, with a machine of its own.
func (s *Session) pastLogs(b *Breakpoint) error {
	saved, savedEv := s.events, s.lastEvent
	defer func() { s.events, s.lastEvent = saved, savedEv }()
	m, err := s.fresh()
	if err != nil {
		return err
	}
	c := &breakCond{s: s}
	c.start(m)
	return s.runOther(m, s.frontier, func(m *vm.Machine) bool {
		cur := m.Location()
		ev := s.event(&c.events)
		if b.at(s, m, c.prev, cur, ev) {
			s.printLog(b, m)
		}
		c.prev = cur
		return false
	})
}
