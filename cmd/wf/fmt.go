package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/wf-lang/wf/format"
	"github.com/wf-lang/wf/internal/paths"
	"github.com/wf-lang/wf/lang"
)

const fmtSynopsis = `wf fmt [-w] [-d] [-l] [FILE|DIR]...

Lays out .wf files in the one canonical form (see package format).
Without a file it formats stdin to stdout; a directory means every .wf
file under it. A file that does not parse is reported and left alone.

Flags:`

// fmtFlags are wf fmt's output modes.
type fmtFlags struct{ write, diff, list bool }

func cmdFmt(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("fmt", fmtSynopsis, stderr)
	var fl fmtFlags
	fs.BoolVar(&fl.write, "w", false, "write the result back to each file instead of printing it")
	fs.BoolVar(&fl.diff, "d", false, "print a diff of the changes instead of the result")
	fs.BoolVar(&fl.list, "l", false, "print the names of the files whose layout would change")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		src, err := io.ReadAll(io.LimitReader(stdin, lang.DefaultMaxSource+1))
		if err != nil {
			fmt.Fprintf(stderr, "wf fmt: %v\n", err)
			return exitUsage
		}
		return fl.file("<stdin>", src, stdout, stderr)
	}
	files, err := paths.Expand(fs.Args(), ".wf")
	if err != nil {
		fmt.Fprintf(stderr, "wf fmt: %v\n", err)
		return exitUsage
	}
	code := exitOK
	for _, path := range files {
		src, err := readSource(path, lang.DefaultMaxSource)
		if err != nil {
			fmt.Fprintf(stderr, "wf fmt: %v\n", err)
			code = exitUsage
			continue
		}
		if c := fl.file(path, src, stdout, stderr); c != exitOK {
			code = c
		}
	}
	return code
}

// file formats one source and reports it as the flags ask.
func (fl fmtFlags) file(path string, src []byte, stdout, stderr io.Writer) int {
	out, err := format.Source(path, src)
	if err != nil {
		fmt.Fprint(stderr, lang.Render(err, src))
		return exitUsage
	}
	changed := !bytes.Equal(src, out)
	if fl.list && changed {
		fmt.Fprintln(stdout, path)
	}
	if fl.diff && changed {
		stdout.Write(diff.Diff(path+".orig", src, path, out))
	}
	if fl.write && changed {
		if err := writeKeepingMode(path, out); err != nil {
			fmt.Fprintf(stderr, "wf fmt: %v\n", err)
			return exitUsage
		}
	}
	if !fl.list && !fl.diff && !fl.write {
		stdout.Write(out)
	}
	return exitOK
}

// writeKeepingMode replaces the file at path with data, keeping its mode.
func writeKeepingMode(path string, data []byte) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, st.Mode().Perm())
}
