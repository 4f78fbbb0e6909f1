package debug

// This file defines Session: one run of a program, its checkpoints and
// input log, and a cursor that moves to any step of it.

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"
)

// Config configures a Session.
type Config struct {
	Program *compiler.Program
	// Options are the machine's. Stdout receives what the program prints
	// the first time each step runs; each of Hosts is logged (see
	// package doc). SnapshotEvery must be 0.
	Options vm.Options
	// Reply answers a host suspension the first time the run reaches it
	// (later passes take the logged reply); a *Thrown it returns is
	// thrown there instead. Nil: a suspension is an error, and the
	// cursor stays where the machine waits.
	Reply func(*vm.Suspension) (vm.Value, error)
	// MaxCheckpointBytes caps the checkpoints kept; 0 means
	// DefaultMaxCheckpointBytes.
	MaxCheckpointBytes int64
	// CheckpointEvery is the fewest steps between two checkpoints; 0
	// means DefaultCheckpointEvery.
	CheckpointEvery int64
	// Version is the number of the stored version Snapshot is, for
	// GotoVersion; 0 for none.
	Version int64
	// LogOut receives what logpoints print; nil: Options.Stdout.
	LogOut io.Writer
	// Snapshot, if set, is where the run starts instead of step 0: a
	// snapshot of Program (a durable instance's version, say), also one
	// waiting on a host reply. The timeline begins at its step.
	Snapshot []byte
	// Edits are changes of variables made from outside while the run
	// waited (a durable instance's wf set): Edits[i] are applied, in
	// order, where the run first waits for its reply number i (0 the
	// first), before that reply is given, as Set does at a cursor.
	Edits map[int][]Edit
}

// Edit is a change of a variable: Name as vm.SetVariable takes it
// ("x", "global.x", "fn.x"), and its new value; or, when Apply is set,
// any change of the waiting machine's state, made on its snapshot (a
// durable instance's futures completing while it waited).
type Edit struct {
	Name  string
	Value vm.Value
	Apply func(snap []byte) ([]byte, error)
}

// Session is a program's run under a debugger: a machine at the cursor,
// checkpoints, the input log, breakpoints and watches. It is not safe for
// concurrent use.
type Session struct {
	prog  *compiler.Program
	opts  vm.Options // with the gate and the logged hosts
	reply func(*vm.Suspension) (vm.Value, error)
	out   *gate
	log   *inputs
	cps   *checkpoints
	base  checkpoint // where the timeline starts: step 0 (no data) or Config.Snapshot

	m        *vm.Machine
	frontier int64 // the furthest step any run reached
	ended    bool  // the machine at the cursor has finished or failed
	endErr   error // why it failed, if it did
	waiting  *vm.Suspension
	edits    map[int][]Edit // Config.Edits
	edited   *vm.Machine    // the machine last restored from a pinned checkpoint
	pause    pauseArgs      // how run paused the machine, for one edit swaps in

	breaks    []*Breakpoint
	nextBreak int // the last breakpoint ID given
	watches   []*watch

	events      int64 // replies to suspensions seen by the runs, counted
	lastEvent   event // the last of them
	logW        io.Writer
	version     int64       // Config.Version
	baseWaiting bool        // the start waits on a host reply
	logSeen     int64       // the event count the logpoints last saw
	logPrev     vm.Location // the boundary the logpoints last saw

	interrupt     func() bool // asked between stretches of a forward run
	interruptible bool        // a forward command is running
}

// ErrEnded is returned by a forward command at the end of the program.
var ErrEnded = errors.New("the program has ended")

// ErrInterrupted is returned by a forward command that the interrupt
// function (SetInterrupt) stopped.
var ErrInterrupted = errors.New("paused")

// interruptEvery is the most steps a forward command runs between two
// questions to the interrupt function: about ten milliseconds.
const interruptEvery = 1 << 20

// SetInterrupt sets a function that forward commands ask, every so many
// steps, whether to stop where they are (an editor's pause). It may be
// called from another goroutine than the session's; the session calls
// it from its own.
func (s *Session) SetInterrupt(f func() bool) { s.interrupt = f }

// ErrStart is returned by a reverse command at step 0.
var ErrStart = errors.New("already at the start (step 0)")

// New starts a session at step 0 of cfg.Program.
func New(cfg Config) (*Session, error) {
	if cfg.Program == nil {
		return nil, errors.New("debug: no program")
	}
	if cfg.Options.SnapshotEvery != 0 {
		return nil, errors.New("debug: Options.SnapshotEvery must be 0")
	}
	s := &Session{prog: cfg.Program, reply: cfg.Reply, log: newInputs(), logW: cfg.LogOut, edits: cfg.Edits}
	s.cps = newCheckpoints(orDefault(cfg.MaxCheckpointBytes, DefaultMaxCheckpointBytes), orDefault(cfg.CheckpointEvery, DefaultCheckpointEvery))
	w := cfg.Options.Stdout
	if w == nil {
		w = os.Stdout
	}
	s.out = &gate{w: w}
	s.opts = cfg.Options
	s.opts.Stdout = s.out
	s.opts.Hosts = make([]*vm.Builtin, 0, len(cfg.Options.Hosts))
	for _, h := range cfg.Options.Hosts {
		if h == nil || h.Fn == nil {
			return nil, fmt.Errorf("debug: a host function needs a Name and a Fn")
		}
		s.opts.Hosts = append(s.opts.Hosts, s.log.wrap(h))
	}
	if cfg.Snapshot != nil {
		s.base.data = cfg.Snapshot
	}
	if err := s.restore(checkpoint{}); err != nil {
		return nil, err
	}
	s.base.step, s.frontier = s.m.Steps(), s.m.Steps()
	s.version, s.baseWaiting = cfg.Version, s.waiting != nil
	return s, nil
}

func orDefault(v, d int64) int64 {
	if v <= 0 {
		return d
	}
	return v
}

// Machine returns the machine at the cursor. Read it; do not run it.
func (s *Session) Machine() *vm.Machine { return s.m }

// Steps returns the step at the cursor.
func (s *Session) Steps() int64 { return s.m.Steps() }

// Start returns the step the timeline starts at: 0, or the step of
// Config.Snapshot. Reverse commands go no further back.
func (s *Session) Start() int64 { return s.base.step }

// Ended reports whether the cursor is at the end of the program, and the
// error it failed with, if it did.
func (s *Session) Ended() (bool, error) { return s.ended, s.endErr }

// Waiting returns the host suspension the machine at the cursor waits on
// when Config.Reply could not answer it.
func (s *Session) Waiting() *vm.Suspension { return s.waiting }

// Snapshot returns the snapshot of the machine at the cursor.
func (s *Session) Snapshot() ([]byte, error) {
	if s.endErr != nil {
		return nil, fmt.Errorf("the program failed at step %d; its state cannot be snapshotted", s.m.Steps())
	}
	return s.m.Snapshot(vm.SnapshotOptions{})
}

// CheckpointBytes reports the bytes and count of the checkpoints kept.
func (s *Session) CheckpointBytes() (bytes int64, count int) {
	return s.cps.bytes, len(s.cps.list)
}

// restore puts the cursor at a checkpoint; one without data is the
// start of the timeline.
func (s *Session) restore(cp checkpoint) error {
	if cp.data == nil {
		cp = s.base
	}
	var m *vm.Machine
	var err error
	if cp.data == nil {
		m, err = vm.New(s.prog, s.opts)
	} else {
		m, err = vm.Restore(s.prog, cp.data, s.opts)
	}
	if err != nil {
		return err
	}
	s.m, s.ended, s.endErr, s.waiting = m, m.Finished(), nil, nil
	if cp.pinned {
		s.edited = m
	}
	if susp, ok := m.Pending(); ok {
		s.waiting = susp // a start snapshot taken while a host call waited
	}
	return nil
}

// seek moves the cursor to the first boundary at or after step (or the
// end), from the machine at the cursor when it is not past step, else
// from the nearest checkpoint.
func (s *Session) seek(step int64) error {
	if s.ended || s.m.Steps() > step || s.waiting != nil && s.m.Steps() == step {
		if err := s.restore(s.cps.before(step)); err != nil {
			return err
		}
	}
	if s.m.Steps() >= step {
		return nil // at step 0 (a run with target 0 would have none)
	}
	_, err := s.run(step, nil)
	return err
}

// run runs the machine at the cursor until stop says so (it reports
// true), the step count reaches target (0: no target), or the program
// ends. It takes checkpoints on the way, mutes output below the
// frontier, and answers host suspensions.
func (s *Session) run(target int64, stop func(*vm.Machine) bool) (bool, error) {
	hit := false
	pred := stop
	if stop != nil {
		pred = func(m *vm.Machine) bool { hit = stop(m); return hit }
	}
	for !s.ended {
		if s.interruptible && s.interrupt != nil && s.interrupt() {
			return false, ErrInterrupted
		}
		limit := target
		muted := s.m.Steps() < s.frontier
		if muted {
			limit = minTarget(limit, s.frontier)
		}
		limit = minTarget(limit, max(s.cps.next, s.cps.last()+1))
		if s.interruptible && s.interrupt != nil {
			limit = minTarget(limit, s.m.Steps()+interruptEvery)
		}
		pin, pinned := s.cps.pinnedAfter(s.m.Steps())
		if pinned {
			limit = minTarget(limit, pin.step)
		}
		s.pause = pauseArgs{limit: limit, pred: s.withLogs(pred, muted)}
		if err := s.m.Pause(s.pause.limit, s.pause.pred); err != nil {
			return false, err
		}
		s.out.muted = muted
		err := s.advance()
		s.out.muted = false
		s.frontier = max(s.frontier, s.m.Steps())
		if err == nil && pinned && !s.ended && s.m.Steps() == pin.step {
			err = s.restore(pin) // the state a Set made here
		}
		switch {
		case err != nil && s.waiting != nil && target > 0 && s.m.Steps() >= target:
			return false, nil // waiting at the target: no reply is needed yet
		case err != nil:
			return false, err
		case hit:
			return true, nil
		case s.ended:
		case s.waiting != nil:
			return false, nil
		default:
			if err := s.checkpoint(); err != nil {
				return false, err
			}
			if target > 0 && s.m.Steps() >= target {
				return false, nil
			}
		}
	}
	return false, nil
}

// minTarget is the nearer of two step targets, 0 meaning none.
func minTarget(a, b int64) int64 {
	if a <= 0 {
		return b
	}
	if b <= 0 {
		return a
	}
	return min(a, b)
}

// advance runs (or resumes) the machine until it pauses, ends, or waits
// on a suspension that finds no reply.
func (s *Session) advance() error {
	var susp *vm.Suspension
	var err error
	if s.waiting != nil {
		susp = s.waiting
	} else {
		susp, err = s.m.Run()
	}
	for err == nil && susp != nil {
		if err = s.edit(); err != nil {
			s.waiting = susp
			return err
		}
		var reply vm.Value
		if reply, err = s.answer(susp); err != nil {
			s.waiting = susp
			return err
		}
		s.waiting = nil
		susp, err = resume(s.m, reply, s.log.thrown[s.m.Steps()])
	}
	switch {
	case errors.Is(err, vm.ErrPaused):
		return nil
	case err != nil:
		s.ended, s.endErr = true, err
	default:
		s.ended = true
	}
	return nil
}

// answer finds the reply to a suspension: the logged one, or Reply's,
// logged (an error Reply has thrown is logged as its value, marked in
// the log's thrown). The machine gets a copy through Dump and Load
// either way.
func (s *Session) answer(susp *vm.Suspension) (vm.Value, error) {
	step := s.m.Steps()
	data, ok := s.log.replies[step]
	if !ok {
		if s.reply == nil {
			return vm.Nil, fmt.Errorf("waiting on host %s at step %d, and there is no reply", susp.Host, step)
		}
		v, err := s.reply(susp)
		var thrown *Thrown
		if errors.As(err, &thrown) { // an error to throw: logged as its value
			v, err = vm.ErrorValue(thrown.Err), nil
		}
		if err != nil {
			return vm.Nil, fmt.Errorf("waiting on host %s at step %d: %w", susp.Host, step, err)
		}
		s.log.thrown[step] = thrown != nil
		if data, err = s.m.Dump(v); err != nil {
			return vm.Nil, err
		}
		s.log.replies[step] = data
	}
	v, err := s.m.Load(data)
	if err == nil {
		s.noteEvent(event{host: susp.Host, reply: true, nilPart: v.IsNil()})
	}
	return v, err
}

// withLogs adds the logpoints to a run's stop condition on a part of the
// timeline run for the first time (a part run before printed its logs
// then, or when the logpoint was set).
func (s *Session) withLogs(pred func(*vm.Machine) bool, muted bool) func(*vm.Machine) bool {
	if muted || !s.hasLogs() {
		return pred
	}
	s.logPrev, s.logSeen = s.m.Location(), s.events
	return func(m *vm.Machine) bool {
		cur := m.Location()
		s.logHits(m, s.logPrev, cur, s.event(&s.logSeen))
		s.logPrev = cur
		return pred != nil && pred(m)
	}
}

func (s *Session) hasLogs() bool {
	for _, b := range s.breaks {
		if b.Log != nil {
			return true
		}
	}
	return false
}

// checkpoint takes a checkpoint at the cursor if one is due.
func (s *Session) checkpoint() error {
	step := s.m.Steps()
	if !s.cps.due(step) {
		return nil
	}
	data, err := s.m.Snapshot(vm.SnapshotOptions{})
	if err != nil {
		return err
	}
	s.cps.add(step, data)
	return nil
}

// output is where the program prints.
func (s *Session) output() io.Writer { return s.out.w }
