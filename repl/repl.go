package repl

// This file defines Run: the prompt's read-eval-print loop.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"

	"github.com/wf-lang/wf/lang"
)

// Options configure Run.
type Options struct {
	In       io.Reader
	Out      io.Writer // results, output and errors
	NoEdit   bool      // read plain lines from In, print no prompts (for scripts and tests)
	MaxSteps int64     // instructions per input; 0 means no limit
}

const help = `Type wf statements and expressions; an expression prints its value.
An input that is not finished (an open bracket) continues on the next
line; an empty line ends it. Commands:
  :dump FILE   save the whole session as a snapshot (wf inspect reads it)
  :load FILE   restore a session saved with :dump
  :source      print the program the session has accepted
  :help        this text
  :quit        leave (so does end of input)
`

// lineReader reads one line with a prompt.
type lineReader interface {
	read(prompt string) (string, error)
	close()
}

// Run runs the prompt until end of input or :quit. It returns the exit
// code: 0, or 2 when the terminal cannot be set up.
func Run(opts Options) int {
	r, err := newReader(opts)
	if err != nil {
		fmt.Fprintf(opts.Out, "wf repl: %v\n", err)
		return 2
	}
	defer r.close()
	s := NewSession(opts.Out, opts.MaxSteps)
	if !opts.NoEdit {
		fmt.Fprintln(opts.Out, `wf repl: ":help" for help, ":quit" or Ctrl-D to leave`)
	}
	for {
		input, err := readInput(r)
		if input != "" {
			if quit := s.command(input); quit {
				return 0
			}
		}
		if err != nil {
			return 0
		}
	}
}

// readInput reads lines until they make a complete input: one that
// parses, or fails to parse before its end, or ends with an empty line.
func readInput(r lineReader) (string, error) {
	var lines []string
	prompt := "wf> "
	for {
		line, err := r.read(prompt)
		if err != nil {
			return strings.Join(lines, "\n"), err
		}
		if line == "" && len(lines) > 0 || line != "" && len(lines) == 0 && strings.HasPrefix(line, ":") {
			lines = append(lines, line)
			return strings.TrimRight(strings.Join(lines, "\n"), "\n"), nil
		}
		lines = append(lines, line)
		if !unfinished(strings.Join(lines, "\n")) {
			return strings.Join(lines, "\n"), nil
		}
		prompt = "... "
	}
}

// unfinished reports whether src fails to parse only because it ends too
// soon: an open bracket, string or operator at the end.
func unfinished(src string) bool {
	if strings.TrimSpace(src) == "" {
		return false
	}
	_, err := lang.Parse(File, []byte(src))
	var list lang.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return false
	}
	msg := list[0].Msg
	return strings.Contains(msg, "end of file") || strings.Contains(msg, "unterminated raw string")
}

// command runs one input: a :command or wf source. It reports whether
// the session should end.
func (s *Session) command(input string) bool {
	cmd, arg, _ := strings.Cut(strings.TrimSpace(input), " ")
	arg = strings.TrimSpace(arg)
	var err error
	switch {
	case !strings.HasPrefix(cmd, ":"):
		if err = s.Eval(input); err != nil {
			fmt.Fprint(s.out, lang.Visible(err.Error()))
		}
		return false
	case cmd == ":quit" || cmd == ":q":
		return true
	case cmd == ":help":
		fmt.Fprint(s.out, help)
	case cmd == ":source":
		fmt.Fprintf(s.out, "%s\n", s.src)
	case (cmd == ":dump" || cmd == ":load") && arg == "":
		err = fmt.Errorf("%s needs a file name", cmd)
	case cmd == ":dump":
		if err = s.Dump(arg); err == nil {
			fmt.Fprintf(s.out, "saved the session to %s\n", arg)
		}
	case cmd == ":load":
		if err = s.Load(arg); err == nil {
			fmt.Fprintf(s.out, "restored the session from %s (%d globals)\n", arg, len(s.globals))
		}
	default:
		err = fmt.Errorf("unknown command %s (:help lists them)", cmd)
	}
	if err != nil {
		fmt.Fprintf(s.out, "%s\n", lang.Visible(err.Error()))
	}
	return false
}

// newReader returns the line reader opts ask for: readline, with line
// editing and a history file, or plain lines without prompts.
func newReader(opts Options) (lineReader, error) {
	if opts.NoEdit {
		sc := bufio.NewScanner(opts.In)
		sc.Buffer(nil, 1<<20)
		return plainReader{sc}, nil
	}
	history := ""
	if dir, err := os.UserHomeDir(); err == nil {
		history = filepath.Join(dir, ".wf_history")
	}
	rl, err := readline.NewEx(&readline.Config{Prompt: "wf> ", HistoryFile: history,
		Stdin: io.NopCloser(opts.In), Stdout: opts.Out})
	if err != nil {
		return nil, err
	}
	return editReader{rl}, nil
}

type plainReader struct{ sc *bufio.Scanner }

func (p plainReader) read(string) (string, error) {
	if !p.sc.Scan() {
		if err := p.sc.Err(); err != nil {
			return "", err
		}
		return "", io.EOF
	}
	return p.sc.Text(), nil
}

func (plainReader) close() {}

type editReader struct{ rl *readline.Instance }

// read reads a line; Ctrl-C drops the line being typed, as in a shell.
func (e editReader) read(prompt string) (string, error) {
	e.rl.SetPrompt(prompt)
	for {
		line, err := e.rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			continue
		}
		return line, err
	}
}

func (e editReader) close() { e.rl.Close() }
