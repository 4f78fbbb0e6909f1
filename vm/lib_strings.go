package vm

// This file defines the string methods and their global twins:
// s.split(sep) and split(s, sep), s.upper() and upper(s), and so on.

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

func init() {
	defMethodN(KindString, "split", 0, 1, strSplit)
	defMethodN(KindString, "join", 1, 1, strJoin)
	defMethodN(KindString, "trim", 0, 1, strTrimmer("trim", strings.TrimSpace, strings.Trim))
	defMethodN(KindString, "trim_left", 0, 1, strTrimmer("trim_left",
		func(s string) string { return strings.TrimLeftFunc(s, unicode.IsSpace) }, strings.TrimLeft))
	defMethodN(KindString, "trim_right", 0, 1, strTrimmer("trim_right",
		func(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) }, strings.TrimRight))
	defMethodN(KindString, "upper", 0, 0, strMapper(strings.ToUpper))
	defMethodN(KindString, "lower", 0, 0, strMapper(strings.ToLower))
	defMethodN(KindString, "replace", 2, 3, strReplace)
	defMethodN(KindString, "starts_with", 1, 1, strTest("starts_with", "prefix", strings.HasPrefix))
	defMethodN(KindString, "ends_with", 1, 1, strTest("ends_with", "suffix", strings.HasSuffix))
	defMethodN(KindString, "contains", 1, 1, strTest("contains", "substring", strings.Contains))
	defMethodN(KindString, "find", 1, 1, strFind)
	defMethodN(KindString, "count", 1, 1, strCount)
	defMethodN(KindString, "repeat", 1, 1, strRepeat)
	defMethodN(KindString, "lines", 0, 0, strLines)
	defMethodN(KindString, "chars", 0, 0, strChars)
	defMethodN(KindString, "bytes", 0, 0, strBytes)
	defMethodN(KindString, "format", 0, -1, func(m *Machine, s Value, args []Value) (Value, error) {
		return m.format(s.AsString(), args)
	})
	defMethodN(KindString, "is_digit", 0, 0, strIs(func(r rune) bool { return '0' <= r && r <= '9' }))
	defMethodN(KindString, "is_alpha", 0, 0, strIs(unicode.IsLetter))
	defMethodN(KindString, "is_alnum", 0, 0, strIs(func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }))
	defMethodN(KindString, "is_space", 0, 0, strIs(unicode.IsSpace))

	for _, name := range []string{"split", "trim", "upper", "lower", "replace", "starts_with", "ends_with", "find"} {
		defDelegate(name, KindString)
	}
}

// strSplit implements s.split(sep), which splits at every sep (an empty
// separator is an error), and s.split(), which splits at runs of white
// space and drops leading and trailing white space.
func strSplit(m *Machine, s Value, args []Value) (Value, error) {
	str := s.AsString()
	if err := m.workBytes(len(str)); err != nil {
		return Nil, err
	}
	b := listBuilder{m: m}
	if len(args) == 0 {
		for _, f := range strings.Fields(str) {
			if err := b.add(String(f)); err != nil {
				return Nil, err
			}
		}
		return b.list()
	}
	sep, err := wantString("split", "separator", args[0])
	if err != nil {
		return Nil, err
	}
	if sep == "" {
		return Nil, errorf(ErrValue, "split: empty separator")
	}
	for {
		before, after, found := strings.Cut(str, sep)
		if err := b.add(String(before)); err != nil {
			return Nil, err
		}
		if !found {
			return b.list()
		}
		str = after
	}
}

// strJoin implements sep.join(list).
func strJoin(m *Machine, sep Value, args []Value) (Value, error) {
	l, err := wantList("join", "argument", args[0])
	if err != nil {
		return Nil, err
	}
	return m.joinStrings(l, sep.AsString())
}

// joinStrings concatenates the strings of l with sep between them. Every element
// must be a string.
func (m *Machine) joinStrings(l *List, sep string) (Value, error) {
	n := 0
	for i, e := range l.Elems {
		if e.k != KindString {
			return Nil, errorf(ErrType, "join: element %d must be a string, got %s", i, e.TypeName())
		}
		n += len(e.AsString())
		if i > 0 {
			n += len(sep)
		}
		if err := m.libTick(i); err != nil {
			return Nil, err
		}
	}
	if n > maxResult {
		return Nil, errorf(ErrValue, "join: result too large")
	}
	if err := m.chargeString(n); err != nil {
		return Nil, err
	}
	var b strings.Builder
	b.Grow(n)
	for i, e := range l.Elems {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(e.AsString())
	}
	return String(b.String()), nil
}

// strTrimmer returns trim, trim_left or trim_right: without an argument
// they remove white space, with a string they remove any of its characters.
func strTrimmer(name string, space func(string) string, cutset func(string, string) string) Method {
	return func(m *Machine, s Value, args []Value) (Value, error) {
		if len(args) == 0 {
			return String(space(s.AsString())), nil
		}
		chars, err := wantString(name, "characters", args[0])
		if err != nil {
			return Nil, err
		}
		if err := m.workRunes(int(s.n) + 4*len(chars)); err != nil { // a set insert per character
			return Nil, err
		}
		if len(chars) > smallCutset && !isASCII(chars) {
			return String(trimSet(name, s.AsString(), runeSet(chars))), nil
		}
		return String(cutset(s.AsString(), chars)), nil
	}
}

// smallCutset is the longest non-ASCII cutset the strings package trims
// with directly: it looks each character of s up in the cutset by a
// linear scan, O(len(s) × len(cutset)). Longer cutsets become a set.
const smallCutset = 32

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// runeSet returns the set of characters of s.
func runeSet(s string) map[rune]bool {
	set := make(map[rune]bool)
	for _, r := range s {
		set[r] = true
	}
	return set
}

// trimSet trims the characters in set from the ends of s that name
// (trim, trim_left or trim_right) trims.
func trimSet(name, s string, set map[rune]bool) string {
	in := func(r rune) bool { return set[r] }
	switch name {
	case "trim_left":
		return strings.TrimLeftFunc(s, in)
	case "trim_right":
		return strings.TrimRightFunc(s, in)
	}
	return strings.TrimFunc(s, in)
}

// strMapper returns upper or lower.
func strMapper(f func(string) string) Method {
	return func(m *Machine, s Value, args []Value) (Value, error) {
		if err := m.workRunes(int(s.n)); err != nil {
			return Nil, err
		}
		r := f(s.AsString())
		if err := m.chargeString(len(r)); err != nil {
			return Nil, err
		}
		return String(r), nil
	}
}

// strReplace implements s.replace(old, new[, n]): the first n (default
// all; negative also means all) non-overlapping old replaced by new.
func strReplace(m *Machine, s Value, args []Value) (Value, error) {
	old, err := wantString("replace", "old", args[0])
	if err != nil {
		return Nil, err
	}
	repl, err := wantString("replace", "new", args[1])
	if err != nil {
		return Nil, err
	}
	n := int64(-1)
	if len(args) == 3 {
		if n, err = wantInt("replace", "count", args[2]); err != nil {
			return Nil, err
		}
	}
	str := s.AsString()
	if err := m.workBytes(len(str)); err != nil {
		return Nil, err
	}
	count := int64(strings.Count(str, old))
	if n >= 0 && n < count {
		count = n
	}
	if count == 0 {
		return s, nil
	}
	size := int64(len(str)) + count*int64(len(repl)-len(old))
	if size > maxResult {
		return Nil, errorf(ErrValue, "replace: result too large")
	}
	if err := m.charge(size); err != nil {
		return Nil, err
	}
	return String(strings.Replace(str, old, repl, int(count))), nil
}

// strTest returns starts_with, ends_with or contains.
func strTest(name, what string, f func(s, sub string) bool) Method {
	return func(m *Machine, s Value, args []Value) (Value, error) {
		sub, err := wantString(name, what, args[0])
		if err != nil {
			return Nil, err
		}
		if err := m.workBytes(int(s.n)); err != nil {
			return Nil, err
		}
		return Bool(f(s.AsString(), sub)), nil
	}
}

// strFind implements s.find(sub): the byte index of the first sub in s,
// or -1.
func strFind(m *Machine, s Value, args []Value) (Value, error) {
	sub, err := wantString("find", "substring", args[0])
	if err != nil {
		return Nil, err
	}
	if err := m.workBytes(int(s.n)); err != nil {
		return Nil, err
	}
	return Int(int64(strings.Index(s.AsString(), sub))), nil
}

// strCount implements s.count(sub): the number of non-overlapping sub in
// s. As in Go, count("") is the number of characters plus one.
func strCount(m *Machine, s Value, args []Value) (Value, error) {
	sub, err := wantString("count", "substring", args[0])
	if err != nil {
		return Nil, err
	}
	if err := m.workBytes(int(s.n)); err != nil {
		return Nil, err
	}
	return Int(int64(strings.Count(s.AsString(), sub))), nil
}

// strRepeat implements s.repeat(n), the same as s * n: a negative n gives "".
func strRepeat(m *Machine, s Value, args []Value) (Value, error) {
	if _, err := wantInt("repeat", "count", args[0]); err != nil {
		return Nil, err
	}
	return m.repeat(s, args[0])
}

// strLines implements s.lines(): the lines of s without their "\n" or
// "\r\n" endings. A final line ending does not start another line, so
// "a\nb\n".lines() == ["a", "b"] and "".lines() == [].
func strLines(m *Machine, s Value, args []Value) (Value, error) {
	str := s.AsString()
	if err := m.workBytes(len(str)); err != nil {
		return Nil, err
	}
	b := listBuilder{m: m}
	for str != "" {
		line, rest, _ := strings.Cut(str, "\n")
		line = strings.TrimSuffix(line, "\r")
		if err := b.add(String(line)); err != nil {
			return Nil, err
		}
		str = rest
	}
	return b.list()
}

// strChars implements s.chars(): the UTF-8 characters of s as strings,
// the same ones a for loop over s visits. A byte that is not valid UTF-8
// is a one-byte string of its own.
func strChars(m *Machine, s Value, args []Value) (Value, error) {
	str := s.AsString()
	b := listBuilder{m: m}
	for i := 0; i < len(str); {
		_, size := utf8.DecodeRuneInString(str[i:])
		if err := b.add(String(str[i : i+size])); err != nil {
			return Nil, err
		}
		i += size
	}
	return b.list()
}

// strBytes implements s.bytes(): the bytes of s.
func strBytes(m *Machine, s Value, args []Value) (Value, error) {
	if err := m.chargeString(bytesSize + int(s.n)); err != nil {
		return Nil, err
	}
	return Bytes([]byte(s.AsString())), nil
}

// strIs returns is_digit, is_alpha, is_alnum or is_space: true when s is
// not empty and every character satisfies f. is_digit accepts ASCII
// digits only; the others use Unicode classes.
func strIs(f func(rune) bool) Method {
	return func(m *Machine, s Value, args []Value) (Value, error) {
		str := s.AsString()
		if str == "" {
			return False, nil
		}
		if err := m.workRunes(len(str)); err != nil {
			return Nil, err
		}
		for _, r := range str {
			if !f(r) {
				return False, nil
			}
		}
		return True, nil
	}
}
