package repl

// This file defines :dump and :load.

import (
	"fmt"
	"io"
	"os"

	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

// maxSession bounds the size of a session file :load reads.
const maxSession = 64 << 20

// Dump writes the session to path as a machine snapshot with the
// session's source embedded: the program accepted so far, run to its end.
func (s *Session) Dump(path string) error {
	prog, err := compile(s.src)
	if err != nil {
		return err
	}
	m, err := vm.New(prog, vm.Options{Stdout: io.Discard, MaxSteps: s.maxSteps})
	if err == nil {
		_, err = m.Run()
	}
	if err != nil {
		return fmt.Errorf("running the session again: %w", err)
	}
	data, err := m.Snapshot(vm.SnapshotOptions{EmbedProgram: true})
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// Load replaces the session with the one Dump wrote to path. The
// snapshot is restored (and so verified against its program) before the
// session takes its source.
func (s *Session) Load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSession+1))
	if err != nil {
		return err
	}
	if len(data) > maxSession {
		return fmt.Errorf("%s: over %d bytes", path, maxSession)
	}
	file, src, ok, err := vm.EmbeddedProgram(data)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", path, err)
	case !ok || file != File:
		return fmt.Errorf("%s: not a session written by :dump", path)
	}
	prog, err := compile(src)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := vm.Restore(prog, data, vm.Options{Stdout: io.Discard}); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	parsed, err := lang.Parse(File, src)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s.src, s.globals = src, map[string]bool{}
	for _, st := range parsed.Stmts {
		if name := lang.Declared(st); name != "" {
			s.globals[name] = true
		}
	}
	return nil
}
