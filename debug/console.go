package debug

// This file defines Console: the command loop of wf debug, reading one
// command a line and printing each stop with its source line.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wf-lang/wf/vm"
)

// Console drives a Session from text commands (see Help).
type Console struct {
	S      *Session
	Source []byte    // the program's source, to show lines
	Out    io.Writer // where stops, values and errors go (the program's output too, usually)
	Echo   bool      // print each command after the prompt, for transcripts of piped input
	// Fork, if set, makes a new durable instance from the machine state
	// at the cursor, a snapshot taken at step, and returns its ID (wf
	// debug ID sets it).
	Fork func(snapshot []byte, step int64) (string, error)
	// ReadLine, if set, reads a command line after a prompt, with line
	// editing and history (wf debug at a terminal); an empty line then
	// repeats the last command. Nil: plain lines from Run's reader.
	ReadLine func(prompt string) (string, error)

	frame int // the selected frame, 0 the innermost
}

// Help lists the commands.
const Help = `commands (short forms in brackets):
  step [s]         to the next line, into calls     rstep [rs]        back to the previous line
  next [n]         to the next line, over calls     rnext [rn]        back, over calls
  finish [fin]     out of this function             rfinish [rfin]    back to where it was called
  continue [c]     to a breakpoint, watch or end    rcontinue [rc]    back to one, or the start
  goto [g] STEP    to a step of the run             goto vN           to version N of an instance
  break [b] FILE:LINE | LINE | FUNC [if EXPR]       break wait | signal | activity [if EXPR]
  logpoint FILE:LINE EXPR  print EXPR at every hit, past and future (no stop)
  delete [d] N     remove breakpoint N              watch [w] EXPR    stop where EXPR changes
  print [p] EXPR   evaluate in the selected frame   set NAME EXPR     change a variable from here on
  bt               the frames                       locals            the selected frame's locals
  frame [f] N      select frame N (0 innermost)     diff A B          what changed from step A to B
  fork             a new stored instance from here  help [h]          this list
  quit [q]
`

// Run shows the start, then runs commands from in until quit or the end
// of input.
func (c *Console) Run(in io.Reader) error {
	c.show(c.S.stop(false, "start"))
	read := c.ReadLine
	if read == nil {
		lines := bufio.NewScanner(in)
		lines.Buffer(make([]byte, 4096), 1<<20)
		read = func(prompt string) (string, error) {
			fmt.Fprint(c.Out, prompt)
			if !lines.Scan() {
				fmt.Fprintln(c.Out)
				if err := lines.Err(); err != nil {
					return "", err
				}
				return "", io.EOF
			}
			return lines.Text(), nil
		}
	}
	last := ""
	for {
		line, err := read("(wf) ")
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		line = strings.TrimSpace(line)
		if c.Echo {
			fmt.Fprintln(c.Out, line)
		}
		if line == "" && c.ReadLine != nil {
			line = last // at a terminal, Enter repeats the last command, as in gdb
		}
		if line == "quit" || line == "q" {
			return nil
		}
		last = line
		if err := c.exec(line); err != nil {
			fmt.Fprintf(c.Out, "error: %v\n", err)
		}
	}
}

// moves maps the commands that move the cursor to their methods.
func (c *Console) moves() map[string]func() (Stop, error) {
	s := c.S
	return map[string]func() (Stop, error){
		"step": s.Step, "s": s.Step, "next": s.Next, "n": s.Next,
		"finish": s.Finish, "fin": s.Finish, "continue": s.Continue, "c": s.Continue,
		"rstep": s.RStep, "rs": s.RStep, "rnext": s.RNext, "rn": s.RNext,
		"rfinish": s.RFinish, "rfin": s.RFinish, "rcontinue": s.RContinue, "rc": s.RContinue,
	}
}

// exec runs one command line.
func (c *Console) exec(line string) error {
	cmd, text, _ := strings.Cut(line, " ")
	text = strings.TrimSpace(text)
	rest := strings.Fields(text)
	if cmd == "" {
		return nil
	}
	if move, ok := c.moves()[cmd]; ok {
		if err := want(cmd, rest, 0); err != nil {
			return err
		}
		return c.move(move)
	}
	switch cmd {
	case "goto", "g":
		return c.gotoCmd(rest)
	case "break", "b":
		return c.breakCmd(text)
	case "logpoint", "log":
		return c.logpointCmd(text)
	case "delete", "d":
		return c.deleteCmd(rest)
	case "set":
		return c.setCmd(text)
	case "watch", "w":
		return c.watchCmd(text)
	case "print", "p":
		return c.printCmd(text)
	case "bt", "where":
		return c.bt()
	case "locals":
		return c.locals()
	case "frame", "f":
		return c.frameCmd(rest)
	case "diff":
		return c.diffCmd(rest)
	case "fork":
		return c.forkCmd(rest)
	case "help", "h":
		fmt.Fprint(c.Out, Help)
		return nil
	}
	return fmt.Errorf("unknown command %q (type help)", cmd)
}

// want checks a command's argument count.
func want(cmd string, args []string, n int) error {
	if len(args) != n {
		return fmt.Errorf("%s takes %d argument(s), got %d", cmd, n, len(args))
	}
	return nil
}

// move runs a command that moves the cursor and shows where it stopped.
func (c *Console) move(move func() (Stop, error)) error {
	st, err := move()
	if err != nil && st.Step == 0 && st.Loc.Fn == nil && !st.Ended {
		return err // refused before moving
	}
	c.frame = 0
	c.show(st)
	return err
}

func (c *Console) gotoCmd(args []string) error {
	if err := want("goto", args, 1); err != nil {
		return err
	}
	if v, ok := strings.CutPrefix(args[0], "v"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return fmt.Errorf("goto: %q is not a version (v1, v2...)", args[0])
		}
		return c.move(func() (Stop, error) { return c.S.GotoVersion(n) })
	}
	step, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return fmt.Errorf("goto: %q is not a step number or a version (vN)", args[0])
	}
	return c.move(func() (Stop, error) { return c.S.Goto(step) })
}

// breakCmd sets a breakpoint: SPEC [if EXPR].
func (c *Console) breakCmd(text string) error {
	if strings.HasSuffix(text, " if") {
		return fmt.Errorf("break: if needs a condition")
	}
	spec, cond, hasIf := strings.Cut(text, " if ")
	spec = strings.TrimSpace(spec)
	if spec == "" || strings.ContainsAny(spec, " \t") {
		return fmt.Errorf("break takes FILE:LINE, LINE, FUNC or an event (wait, signal, activity), then if EXPR")
	}
	if hasIf && strings.TrimSpace(cond) == "" {
		return fmt.Errorf("break: if needs a condition")
	}
	b, err := c.S.BreakWith(spec, BreakOpts{Cond: cond})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Out, "breakpoint %d at %s\n", b.ID, b)
	return nil
}

// logpointCmd sets a logpoint: SPEC EXPR. It prints the hits on the run
// so far at once.
func (c *Console) logpointCmd(text string) error {
	spec, expr, _ := strings.Cut(text, " ")
	if spec == "" || strings.TrimSpace(expr) == "" {
		return fmt.Errorf("logpoint takes FILE:LINE (or LINE, FUNC) and an expression")
	}
	b, err := c.S.place(spec)
	if err != nil {
		return err
	}
	if _, err := NewExpr(expr); err != nil {
		return fmt.Errorf("logpoint: %w", err)
	}
	fmt.Fprintf(c.Out, "logpoint %d at %s: %s\n", c.S.nextBreak+1, b, strings.TrimSpace(expr))
	_, err = c.S.BreakWith(spec, BreakOpts{Log: expr})
	return err
}

// deleteCmd removes a breakpoint or logpoint by its number.
func (c *Console) deleteCmd(args []string) error {
	if err := want("delete", args, 1); err != nil {
		return err
	}
	for _, b := range c.S.breaks {
		if strconv.Itoa(b.ID) == args[0] {
			c.S.Unbreak(b)
			fmt.Fprintf(c.Out, "deleted %d\n", b.ID)
			return nil
		}
	}
	return fmt.Errorf("delete: no breakpoint %q", args[0])
}

func (c *Console) watchCmd(text string) error {
	if text == "" {
		return fmt.Errorf("watch takes a variable or an expression")
	}
	if err := c.S.Watch(c.frame, text); err != nil {
		return err
	}
	fmt.Fprintf(c.Out, "watching %s\n", text)
	return nil
}

// show prints a stop: the step, the place, why, and the source line.
func (c *Console) show(st Stop) {
	rev := ""
	if st.Reversed {
		rev = " (reversed)"
	}
	why := ""
	if st.Reason != "" && st.Reason != "end" {
		why = " - " + st.Reason
	}
	switch {
	case st.Ended && st.Err != nil:
		fmt.Fprintf(c.Out, "[step %d] the program failed%s: %v\n", st.Step, rev, st.Err)
	case st.Ended:
		fmt.Fprintf(c.Out, "[step %d] the program finished%s\n", st.Step, rev)
	case st.Loc.Fn == nil:
		fmt.Fprintf(c.Out, "[step %d]%s%s\n", st.Step, rev, why)
	default:
		fmt.Fprintf(c.Out, "[step %d] %s:%d in %s%s%s\n", st.Step, filepath.Base(c.S.prog.File), st.Loc.Line(), funcName(st.Loc.Fn.Name), rev, why)
		c.showLine(st.Loc.Line())
	}
	if w := c.S.Waiting(); w != nil {
		fmt.Fprintf(c.Out, "waiting on host %s\n", w.Host)
	}
}

// showLine prints source line n with a marker.
func (c *Console) showLine(n int) {
	lines := strings.Split(string(c.Source), "\n")
	if n >= 1 && n <= len(lines) {
		fmt.Fprintf(c.Out, "> %d | %s\n", n, strings.TrimRight(lines[n-1], "\r"))
	}
}

// funcName shows the top level as <main>.
func funcName(name string) string {
	if name == "" || name == "<main>" {
		return "<main>"
	}
	return name
}

// printCmd prints an expression's value in the selected frame, as its
// text and its JSON form (vm.View).
func (c *Console) printCmd(text string) error {
	if text == "" {
		return fmt.Errorf("print takes an expression")
	}
	r, err := c.S.Eval(text, c.frame)
	if err != nil {
		return fmt.Errorf("print: %w", err)
	}
	data, err := json.Marshal(vm.View(r.Value, vm.ViewOptions{MaxObjects: 100, MaxBytes: 1 << 16}))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Out, "%s = %s\n%s\n", text, r.Repr(), data)
	return nil
}

// setCmd sets a variable of the selected frame, or a global, to an
// expression's value: NAME EXPR or NAME = EXPR.
func (c *Console) setCmd(text string) error {
	name, expr, _ := strings.Cut(text, " ")
	expr = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(expr), "="))
	if name == "" || expr == "" {
		return fmt.Errorf("set takes a variable's name and an expression")
	}
	old, err := c.S.Set(c.frame, name, expr)
	if err != nil {
		return fmt.Errorf("set: %w", err)
	}
	v, _ := c.S.Machine().Local(c.frame, name)
	if v == vm.Nil {
		v, _ = c.S.Machine().Global(name)
	}
	fmt.Fprintf(c.Out, "%s = %s (was %s); the run from step %d on is new\n", name, vm.Repr(v), vm.Repr(old), c.S.Steps())
	return nil
}

// frames returns the running stack, innermost first.
func (c *Console) frames() []vm.FrameView {
	fs := c.S.Machine().Stack(vm.ViewOptions{MaxObjects: 1, MaxRepr: 60}).Frames
	for i, j := 0, len(fs)-1; i < j; i, j = i+1, j-1 {
		fs[i], fs[j] = fs[j], fs[i]
	}
	return fs
}

func (c *Console) bt() error {
	fs := c.frames()
	if len(fs) == 0 {
		return fmt.Errorf("no frames: the program has ended")
	}
	for i, f := range fs {
		mark := " "
		if i == c.frame {
			mark = "*"
		}
		fmt.Fprintf(c.Out, "%s#%d %s at %s\n", mark, i, funcName(f.Function), c.framePos(i, f))
	}
	return nil
}

// framePos is where frame i stands: the next instruction's line for the
// innermost, the call's for the others.
func (c *Console) framePos(i int, f vm.FrameView) string {
	if i == 0 {
		return fmt.Sprintf("%s:%d", filepath.Base(c.S.prog.File), c.S.Machine().Location().Line())
	}
	file, rest, _ := strings.Cut(f.Position, ":")
	line, _, _ := strings.Cut(rest, ":")
	return filepath.Base(file) + ":" + line
}

func (c *Console) locals() error {
	fs := c.frames()
	if c.frame >= len(fs) {
		return fmt.Errorf("no frames: the program has ended")
	}
	if len(fs[c.frame].Locals) == 0 {
		fmt.Fprintln(c.Out, "(no locals)")
	}
	for _, l := range fs[c.frame].Locals {
		fmt.Fprintf(c.Out, "%s = %s\n", l.Name, l.Value.Repr)
	}
	return nil
}

func (c *Console) frameCmd(args []string) error {
	if err := want("frame", args, 1); err != nil {
		return err
	}
	n, err := strconv.Atoi(args[0])
	fs := c.frames()
	if err != nil || n < 0 || n >= len(fs) {
		return fmt.Errorf("frame: no frame %q (0 to %d)", args[0], len(fs)-1)
	}
	c.frame = n
	pos := c.framePos(n, fs[n])
	fmt.Fprintf(c.Out, "#%d %s at %s\n", n, funcName(fs[n].Function), pos)
	_, line, _ := strings.Cut(pos, ":")
	ln, _ := strconv.Atoi(line)
	c.showLine(ln)
	return nil
}

// maxDiffLines bounds what diff prints.
const maxDiffLines = 40

// diffCmd prints what changed between two steps: the structural diff of
// the machine's inspections there. The cursor comes back where it was.
func (c *Console) diffCmd(args []string) error {
	if err := want("diff", args, 2); err != nil {
		return err
	}
	var steps [2]int64
	for i, a := range args {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("diff: %q is not a step number", a)
		}
		steps[i] = n
	}
	changes, err := c.S.Diff(steps[0], steps[1])
	if err != nil {
		return err
	}
	if len(changes) == 0 {
		fmt.Fprintln(c.Out, "no changes")
	}
	for i, ch := range changes {
		if i == maxDiffLines {
			fmt.Fprintf(c.Out, "... %d more\n", len(changes)-i)
			break
		}
		fmt.Fprintln(c.Out, ch)
	}
	return nil
}

// forkCmd makes a new durable instance from the state at the cursor.
func (c *Console) forkCmd(args []string) error {
	if err := want("fork", args, 0); err != nil {
		return err
	}
	if c.Fork == nil {
		return fmt.Errorf("fork: only a stored instance's session forks (wf debug ID); wf start starts a script")
	}
	data, err := c.S.Snapshot()
	if err != nil {
		return fmt.Errorf("fork: %w", err)
	}
	if ended, _ := c.S.Ended(); ended {
		return fmt.Errorf("fork: the program has ended here; go back first")
	}
	id, err := c.Fork(data, c.S.Steps())
	if err != nil {
		return fmt.Errorf("fork: %w", err)
	}
	fmt.Fprintf(c.Out, "forked: new instance %s from step %d\n", id, c.S.Steps())
	return nil
}
