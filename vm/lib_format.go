package vm

// This file defines format, wf's printf.

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

func init() {
	def("format", func(m *Machine, args []Value) (Value, error) {
		if err := wantArgs("format", args, 1, math.MaxInt); err != nil {
			return Nil, err
		}
		f, err := wantString("format", "format", args[0])
		if err != nil {
			return Nil, err
		}
		return m.format(f, args[1:])
	})
}

// maxFormatWidth bounds widths and precisions, as Go's fmt does.
const maxFormatWidth = 1_000_000

// format implements format(f, args...) and f.format(args...), printf
// style. Each directive is % [flags] [width] [.precision] verb, with the
// flags - + space 0 # and these verbs:
//
//	%d %i  int, in decimal
//	%b %o %x %X  int in base 2, 8, 16; %x %X also hex-encode a string or bytes
//	%c     int, as the character of that code point
//	%f %F %e %E %g %G  float or int, as a float
//	%t     bool
//	%s %v  any value, as str() shows it
//	%q     any value, as repr() shows it
//	%%     a literal %
//
// Flags, width and precision mean what they mean in Go's fmt, and the
// output is exactly Go's for the corresponding Go value (for %s, %v and
// %q: the string str() or repr() returns). A verb not listed, an argument
// of the wrong kind, or too few or too many arguments is an error.
func (m *Machine) format(f string, args []Value) (Value, error) {
	b := textBuilder{m: m}
	next := 0
	for i := 0; i < len(f); {
		j := strings.IndexByte(f[i:], '%')
		if j < 0 {
			b.WriteString(f[i:])
			break
		}
		b.WriteString(f[i : i+j])
		i += j + 1
		d, n, err := parseDirective(f[i:])
		if err != nil {
			return Nil, err
		}
		i += n
		if d.verb == '%' {
			b.WriteByte('%')
			continue
		}
		if next >= len(args) {
			return Nil, errorf(ErrArgs, "format: missing argument for %%%c (directive %d)", d.verb, next+1)
		}
		arg, err := m.formatArg(d.verb, args[next])
		if err != nil {
			return Nil, err
		}
		next++
		fmt.Fprintf(&b, d.spec, arg)
		if err := b.pay(); err != nil {
			return Nil, prefixErr("format", err)
		}
	}
	if next < len(args) {
		return Nil, errorf(ErrArgs, "format: %d arguments given but only %d used", len(args), next)
	}
	if err := b.pay(); err != nil {
		return Nil, prefixErr("format", err)
	}
	return String(b.String()), nil
}

// directive is one parsed % directive: its verb, and the Go format that
// prints its argument (the same flags, width and precision, with %i as %d
// and %s, %v and %q as %s).
type directive struct {
	verb rune
	spec string
}

// parseDirective reads the directive after a %, returning its length.
func parseDirective(f string) (directive, int, error) {
	i := 0
	for i < len(f) && strings.IndexByte("-+ 0#", f[i]) >= 0 {
		i++
	}
	i, err := skipNumber(f, i, "width")
	if err != nil {
		return directive{}, 0, err
	}
	if i < len(f) && f[i] == '.' {
		if i, err = skipNumber(f, i+1, "precision"); err != nil {
			return directive{}, 0, err
		}
	}
	if i == len(f) {
		return directive{}, 0, errorf(ErrValue, "format: missing verb at end of format string")
	}
	verb, size := utf8.DecodeRuneInString(f[i:])
	goVerb := verb
	switch verb {
	case '%':
		if i > 0 {
			return directive{}, 0, errorf(ErrValue, "format: %%%% takes no flags, width or precision")
		}
	case 'i':
		goVerb = 'd'
	case 's', 'v', 'q':
		goVerb = 's'
	case 'd', 'b', 'o', 'x', 'X', 'c', 'f', 'F', 'e', 'E', 'g', 'G', 't':
	default:
		return directive{}, 0, errorf(ErrValue, "format: unknown verb %%%c", verb)
	}
	return directive{verb: verb, spec: "%" + f[:i] + string(goVerb)}, i + size, nil
}

// skipNumber skips the digits of a width or precision starting at i.
func skipNumber(f string, i int, what string) (int, error) {
	n := 0
	for ; i < len(f) && '0' <= f[i] && f[i] <= '9'; i++ {
		n = n*10 + int(f[i]-'0')
		if n > maxFormatWidth {
			return 0, errorf(ErrValue, "format: %s too large", what)
		}
	}
	return i, nil
}

// formatArg returns the Go value Go's fmt prints for verb and v, or the
// error for a v of the wrong kind.
func (m *Machine) formatArg(verb rune, v Value) (any, error) {
	switch verb {
	case 's', 'v':
		return m.str(v)
	case 'q':
		return m.repr(v)
	case 't':
		if v.k == KindBool {
			return v.AsBool(), nil
		}
	case 'f', 'F', 'e', 'E', 'g', 'G':
		if f, ok := v.Number(); ok {
			return f, nil
		}
	case 'x', 'X':
		switch v.k {
		case KindString:
			return v.AsString(), nil
		case KindBytes:
			return v.AsBytes(), nil
		}
		fallthrough
	default: // d b o c
		if v.k == KindInt {
			return v.AsInt(), nil
		}
	}
	return nil, errorf(ErrType, "format: %%%c needs %s, got %s", verb, verbWants(verb), v.TypeName())
}

// verbWants describes the kinds verb accepts, for an error message.
func verbWants(verb rune) string {
	switch verb {
	case 't':
		return "a bool"
	case 'f', 'F', 'e', 'E', 'g', 'G':
		return "a number"
	case 'x', 'X':
		return "an int, string or bytes"
	}
	return "an int"
}
