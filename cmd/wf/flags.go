package main

// This file defines the flags commands share: numbers within bounds, the
// limits on running code, and the limits on the source it is compiled
// from.

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/wf-lang/wf/lang"
	"github.com/wf-lang/wf/vm"
)

// bounded is a numeric flag that refuses a value outside [min, max]. Every
// numeric flag of every command is one, so each states its range where it
// is declared, and a value out of it (--max-alloc -5, --max-nesting
// 2000000) is a usage error, exit 2, that names the range:
//
//	invalid value "-5" for flag -max-alloc: must be 0 or more
type bounded[T ~int | ~int64] struct {
	p        *T
	min, max T
	parse    func(string) (int64, error)
}

func (b *bounded[T]) String() string {
	if b == nil || b.p == nil {
		var zero T
		return fmt.Sprint(zero) // what flag compares with to leave "(default 0)" out
	}
	return fmt.Sprint(*b.p)
}

func (b *bounded[T]) Set(s string) error {
	v, err := b.parse(s)
	if err != nil {
		return err
	}
	if v < int64(b.min) || v > int64(b.max) {
		return fmt.Errorf("must be %s", b.span())
	}
	*b.p = T(v)
	return nil
}

// span describes the range for an error message.
func (b *bounded[T]) span() string {
	if int64(b.max) == math.MaxInt64 || int64(b.max) == math.MaxInt {
		return fmt.Sprint(b.min, " or more")
	}
	return fmt.Sprint("from ", b.min, " to ", b.max)
}

// intFlag defines an integer flag with a default and a range.
func intFlag[T ~int | ~int64](fs *flag.FlagSet, p *T, name string, def, min, max T, usage string) {
	*p = def
	parse := func(s string) (int64, error) { return strconv.ParseInt(s, 0, 64) }
	fs.Var(&bounded[T]{p: p, min: min, max: max, parse: parse}, name, usage)
}

// durationFlag defines a duration flag with a default and a range.
func durationFlag(fs *flag.FlagSet, p *time.Duration, name string, def, min, max time.Duration, usage string) {
	*p = def
	parse := func(s string) (int64, error) {
		d, err := time.ParseDuration(s)
		return int64(d), err
	}
	fs.Var(&bounded[time.Duration]{p: p, min: min, max: max, parse: parse}, name, usage)
}

// limitFlags are the resource limits shared by commands that run code.
type limitFlags struct {
	source   sourceFlags
	maxSteps int64
	maxDepth int
	maxAlloc int64
	every    int64
}

func (l *limitFlags) register(fs *flag.FlagSet) {
	l.source.register(fs, lang.DefaultMaxSource, "program")
	intFlag(fs, &l.maxSteps, "max-steps", 0, 0, math.MaxInt64, "stop after `N` instructions (0: no limit)")
	intFlag(fs, &l.maxDepth, "max-depth", vm.DefaultMaxCallDepth, 1, math.MaxInt, "at most `N` nested calls per fiber")
	intFlag(fs, &l.maxAlloc, "max-alloc", 0, 0, math.MaxInt64, "at most `BYTES` allocated by strings, lists and maps (0: no limit)")
	intFlag(fs, &l.every, "snapshot-every", 0, 0, math.MaxInt64,
		"snapshot and restore the whole machine every `N` steps (a transparency test; 0: never)")
}

// sourceFlags bound the cost of compiling a program: its size (and with
// it its tokens, a quarter as many; see lang.Options) and its nesting.
type sourceFlags struct {
	maxSource int
	nesting   int
}

// maxSourceCeiling is the largest --max-source: compiling a GiB would take
// hours and a terabyte.
const maxSourceCeiling = 1 << 30

// register defines --max-source, with the default def, and --max-nesting
// for what is compiled ("program", "embedded program").
func (s *sourceFlags) register(fs *flag.FlagSet, def int, what string) {
	intFlag(fs, &s.maxSource, "max-source", def, 1, maxSourceCeiling,
		"the largest "+what+" to compile, in `BYTES`; it may hold a quarter as many tokens")
	intFlag(fs, &s.nesting, "max-nesting", lang.DefaultMaxNesting, 1, lang.MaxNestingCeiling,
		"at most `N` levels of brackets and prefix operators in the "+what+" (up to 10000)")
}

func (s sourceFlags) options() lang.Options {
	return lang.Options{MaxNesting: s.nesting, MaxSource: s.maxSource}
}

// readSource reads a program's source, refusing one over max bytes before
// reading it whole: by its size if it is a regular file, else after max+1
// bytes.
func readSource(path string, max int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > int64(max) {
		return nil, fmt.Errorf("%s: source is %d bytes, over the limit of %d", path, st.Size(), max)
	}
	src, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err == nil && len(src) > max {
		err = fmt.Errorf("%s: source is over the limit of %d bytes", path, max)
	}
	return src, err
}
