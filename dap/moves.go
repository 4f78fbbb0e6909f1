package dap

// This file answers the requests that move the cursor, forwards and
// backwards, and announces each stop.

import (
	"errors"
	"fmt"
	"strings"

	godap "github.com/google/go-dap"

	"github.com/wf-lang/wf/debug"
)

// move is a request that moves the cursor: the session's command, its
// direction, and the response to send before it runs.
type move struct {
	run     func() (debug.Stop, error)
	back    bool // goes backwards
	out     bool // steps out of a function
	respond godap.Message
}

// moves returns the move req asks for, if it is one.
func (srv *Server) moves(req godap.RequestMessage) (move, bool) {
	s, r := srv.s, response(req)
	switch req.(type) {
	case *godap.ContinueRequest:
		return move{run: s.Continue, respond: &godap.ContinueResponse{Response: r, Body: godap.ContinueResponseBody{AllThreadsContinued: true}}}, true
	case *godap.NextRequest:
		return move{run: s.Next, respond: &godap.NextResponse{Response: r}}, true
	case *godap.StepInRequest:
		return move{run: s.Step, respond: &godap.StepInResponse{Response: r}}, true
	case *godap.StepOutRequest:
		return move{run: s.Finish, out: true, respond: &godap.StepOutResponse{Response: r}}, true
	case *godap.StepBackRequest:
		return move{run: s.RNext, back: true, respond: &godap.StepBackResponse{Response: r}}, true
	case *godap.ReverseContinueRequest:
		return move{run: s.RContinue, back: true, respond: &godap.ReverseContinueResponse{Response: r}}, true
	}
	return move{}, false
}

// moveReq answers a move request, unless the move is refused where the
// cursor is, then moves and announces the stop.
func (srv *Server) moveReq(req godap.RequestMessage, m move) error {
	if err := srv.refuse(m); err != nil {
		return err
	}
	srv.send(m.respond)
	srv.announce(m.run())
	return nil
}

// refuse says why a move cannot start at the cursor, if it cannot.
func (srv *Server) refuse(m move) error {
	s := srv.s
	switch ended, _ := s.Ended(); {
	case m.back && s.Steps() <= s.Start():
		return debug.ErrStart
	case !m.back && ended:
		return debug.ErrEnded
	case m.out && s.Machine().Location().Depth <= 1:
		return errors.New("step out: the main program has no caller")
	}
	return nil
}

// announce tells the editor where a move left the cursor: a stopped
// event, or exited and terminated at the end of a program that did not
// fail. An error that stopped the move midway goes out as output first.
func (srv *Server) announce(st debug.Stop, err error) {
	srv.view = nil // references are valid until the next move
	if errors.Is(err, debug.ErrInterrupted) {
		st.Reason = "pause"
		srv.paused = &st // announced once the pause request is answered
		return
	}
	if err != nil {
		srv.send(&godap.OutputEvent{Event: srv.event("output"), Body: godap.OutputEventBody{Category: "stderr", Output: err.Error() + "\n"}})
	}
	if st.Ended && st.Err == nil {
		srv.send(&godap.ExitedEvent{Event: srv.event("exited"), Body: godap.ExitedEventBody{ExitCode: 0}})
		srv.send(&godap.TerminatedEvent{Event: srv.event("terminated")})
		return
	}
	srv.send(&godap.StoppedEvent{Event: srv.event("stopped"), Body: srv.stopped(st, err)})
}

// stopped is the body of the stopped event for st. Its description says
// why, at which step, and whether the stop was reached going backwards.
func (srv *Server) stopped(st debug.Stop, err error) godap.StoppedEventBody {
	b := godap.StoppedEventBody{ThreadId: threadID, AllThreadsStopped: true, Reason: "step"}
	why := st.Reason
	switch {
	case err != nil:
		b.Reason, why = "pause", err.Error()
	case st.Ended:
		b.Reason, why = "exception", "the program failed"
		b.Text = st.Err.Error()
	case st.Reason == "start" && !st.Reversed:
		b.Reason = "entry"
	case strings.HasPrefix(st.Reason, "breakpoint "):
		b.Reason = "breakpoint"
		var id int
		if _, err := fmt.Sscanf(st.Reason, "breakpoint %d", &id); err == nil {
			b.HitBreakpointIds = []int{id}
		}
	case strings.HasPrefix(st.Reason, "watch "):
		b.Reason = "data breakpoint"
	case st.Reason == "pause", st.Reason == "goto":
		b.Reason = st.Reason
	case strings.HasPrefix(st.Reason, "version "):
		b.Reason = "goto"
	}
	b.Description = fmt.Sprintf("step %d", st.Step)
	if why != "" {
		b.Description = why + ", " + b.Description
	}
	if st.Reversed {
		b.Description += ", reached going backwards"
	}
	if w := srv.s.Waiting(); w != nil {
		b.Description += "; waiting on host " + w.Host
	}
	return b
}
