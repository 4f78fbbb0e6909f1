package vm

// This file defines json_encode and json_decode, and ToJSON and FromJSON,
// the same conversions for Go callers.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

func init() {
	def("json_encode", builtinJSONEncode)
	def("json_decode", builtinJSONDecode)
}

// maxJSONDepth bounds the nesting of lists and maps json_encode writes
// (which also stops it on cyclic data) and json_decode reads.
const maxJSONDepth = 200

// builtinJSONEncode implements json_encode(v[, indent]). nil, bools, ints,
// floats, strings, lists and maps with string keys are encoded; maps keep
// their insertion order. Floats always carry a decimal point or an
// exponent, so they decode back as floats. Without indent the output is
// compact ({"a":[1,2]}); with indent (a number of spaces, or a string)
// each element goes on its own line, as Go's json.MarshalIndent does.
// nan, inf, strings that are not valid UTF-8, other kinds, non-string
// keys and nesting deeper than 200 (cyclic data) are errors.
func builtinJSONEncode(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("json_encode", args, 1, 2); err != nil {
		return Nil, err
	}
	e := jsonEncoder{m: m, b: textBuilder{m: m}, prefix: "json_encode: "}
	if len(args) == 2 {
		switch ind := args[1]; {
		case ind.k == KindInt && ind.AsInt() >= 0 && ind.AsInt() <= 64:
			e.indent = strings.Repeat(" ", int(ind.AsInt()))
		case ind.k == KindString:
			e.indent = ind.AsString()
		default:
			return Nil, errorf(ErrValue, "json_encode: indent must be a string or an int from 0 to 64, got %s", shortRepr(ind))
		}
		e.pretty = true
	}
	if err := e.value(args[0], 0); err != nil {
		return Nil, err
	}
	if err := e.charge(); err != nil {
		return Nil, err
	}
	return String(e.b.String()), nil
}

// ToJSON encodes v as compact JSON by json_encode's rules: nil, bools,
// ints, floats (always with a decimal point or an exponent), strings,
// lists and maps with string keys, in insertion order. nan, inf, strings
// that are not valid UTF-8, other kinds, non-string keys and nesting
// deeper than 200 (cyclic data) are errors: an *Error of kind
// value_error or type_error. No budget applies.
func ToJSON(v Value) ([]byte, error) {
	e := jsonEncoder{m: &Machine{}}
	if err := e.value(v, 0); err != nil {
		return nil, err
	}
	return []byte(e.b.String()), nil
}

type jsonEncoder struct {
	m      *Machine
	prefix string // starts error messages: "json_encode: ", or none for ToJSON
	b      textBuilder
	pretty bool
	indent string
	n      int // values written, for polling
}

func (e *jsonEncoder) fail(kind, format string, args ...any) *Error {
	return errorf(kind, e.prefix+format, args...)
}

// charge charges the budget for the output buffer grown so far.
func (e *jsonEncoder) charge() error {
	if err := e.b.pay(); err != nil {
		if le, ok := err.(*Error); ok && !isUncatchable(le) {
			return e.fail(le.Kind, "%s", le.Msg)
		}
		return err
	}
	return nil
}

func (e *jsonEncoder) value(v Value, depth int) error {
	if err := e.charge(); err != nil {
		return err
	}
	e.n++
	if err := e.m.libTick(e.n); err != nil {
		return err
	}
	switch v.k {
	case KindNil:
		e.b.WriteString("null")
	case KindBool:
		e.b.WriteString(strconv.FormatBool(v.AsBool()))
	case KindInt:
		e.b.WriteString(strconv.FormatInt(v.AsInt(), 10))
	case KindFloat:
		f := v.AsFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return e.fail(ErrValue, "cannot encode %s", FormatFloat(f))
		}
		e.b.WriteString(FormatFloat(f))
	case KindString:
		return e.string(v.AsString())
	case KindList:
		return e.list(v.AsList(), depth+1)
	case KindMap:
		return e.object(v.AsMap(), depth+1)
	default:
		return e.fail(ErrType, "cannot encode %s value", article(v.TypeName()))
	}
	return nil
}

func (e *jsonEncoder) list(l *List, depth int) error {
	if depth > maxJSONDepth {
		return e.fail(ErrValue, "nesting deeper than %d (cyclic data?)", maxJSONDepth)
	}
	e.b.WriteByte('[')
	for i, x := range l.Elems {
		e.separate(i, depth)
		if err := e.value(x, depth); err != nil {
			return err
		}
	}
	e.close(len(l.Elems), depth, ']')
	return nil
}

func (e *jsonEncoder) object(mp *Map, depth int) error {
	if depth > maxJSONDepth {
		return e.fail(ErrValue, "nesting deeper than %d (cyclic data?)", maxJSONDepth)
	}
	e.b.WriteByte('{')
	var err error
	i := 0
	mp.Each(func(k, v Value) bool {
		if k.k != KindString {
			err = e.fail(ErrType, "map key %s is a %s, not a string", shortRepr(k), k.TypeName())
			return false
		}
		e.separate(i, depth)
		i++
		if err = e.string(k.AsString()); err != nil {
			return false
		}
		e.b.WriteByte(':')
		if e.pretty {
			e.b.WriteByte(' ')
		}
		err = e.value(v, depth)
		return err == nil
	})
	if err != nil {
		return err
	}
	e.close(i, depth, '}')
	return nil
}

// separate writes what goes before element i of a container at depth.
func (e *jsonEncoder) separate(i, depth int) {
	if i > 0 {
		e.b.WriteByte(',')
	}
	e.newline(depth)
}

// close ends a container of n elements.
func (e *jsonEncoder) close(n, depth int, c byte) {
	if n > 0 {
		e.newline(depth - 1)
	}
	e.b.WriteByte(c)
}

func (e *jsonEncoder) newline(depth int) {
	if e.pretty {
		e.b.WriteByte('\n')
		for range depth {
			e.b.WriteString(e.indent)
		}
	}
}

// string writes s as a JSON string: ", \ and control characters escaped,
// and U+2028 and U+2029 too, as Go's encoding/json does.
func (e *jsonEncoder) string(s string) error {
	if !utf8.ValidString(s) {
		return e.fail(ErrValue, "string %s is not valid UTF-8", shortRepr(String(s)))
	}
	const hexDigits = "0123456789abcdef"
	e.b.WriteByte('"')
	for i, r := range s {
		if i&4095 == 4095 {
			if err := e.charge(); err != nil { // escaping can make a string 6 times longer
				return err
			}
		}
		switch {
		case r == '"' || r == '\\':
			e.b.WriteByte('\\')
			e.b.WriteRune(r)
		case r == '\n':
			e.b.WriteString(`\n`)
		case r == '\r':
			e.b.WriteString(`\r`)
		case r == '\t':
			e.b.WriteString(`\t`)
		case r < 0x20 || r == '\u2028' || r == '\u2029':
			e.b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				e.b.WriteByte(hexDigits[r>>shift&0xf])
			}
		default:
			e.b.WriteRune(r)
		}
	}
	e.b.WriteByte('"')
	return nil
}

// builtinJSONDecode implements json_decode(s) for a string or bytes s.
// Objects become maps with their keys in document order (a repeated key
// keeps its first position and its last value), arrays lists, integers
// that fit an int ints, other numbers floats. Invalid JSON, data after
// the value, and nesting deeper than 200 are value errors.
func builtinJSONDecode(m *Machine, args []Value) (Value, error) {
	if err := wantArgs("json_decode", args, 1, 1); err != nil {
		return Nil, err
	}
	var src io.Reader
	switch x := args[0]; x.k {
	case KindString:
		src = strings.NewReader(x.AsString())
	case KindBytes:
		src = strings.NewReader(string(x.AsBytes()))
	default:
		return Nil, argTypeError("json_decode", "argument", "a string or bytes", x)
	}
	return decodeJSON(m, "json_decode: ", src)
}

// FromJSON decodes one JSON document by json_decode's rules: objects
// become maps with their keys in document order (a repeated key keeps its
// first position and its last value), arrays lists, integers that fit an
// int ints, other numbers floats. Invalid JSON, data after the value and
// nesting deeper than 200 are errors: an *Error of kind value_error. No
// budget applies; the result takes memory in proportion to data.
func FromJSON(data []byte) (Value, error) {
	return decodeJSON(&Machine{}, "", bytes.NewReader(data))
}

// decodeJSON reads one JSON value from src and checks that nothing but
// space follows; prefix starts error messages.
func decodeJSON(m *Machine, prefix string, src io.Reader) (Value, error) {
	d := jsonDecoder{m: m, prefix: prefix, dec: json.NewDecoder(src)}
	d.dec.UseNumber()
	tok, err := d.token()
	if err != nil {
		return Nil, err
	}
	v, err := d.value(tok, 0)
	if err != nil {
		return Nil, err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		if err != nil {
			return Nil, d.syntaxError(err)
		}
		return Nil, d.fail(ErrValue, "unexpected data after the value (offset %d)", d.dec.InputOffset())
	}
	return v, nil
}

type jsonDecoder struct {
	m      *Machine
	prefix string // starts error messages: "json_decode: ", or none for FromJSON
	dec    *json.Decoder
	n      int // tokens read, for polling
}

func (d *jsonDecoder) fail(kind, format string, args ...any) *Error {
	return errorf(kind, d.prefix+format, args...)
}

// token reads the next token; the end of the input is an error.
func (d *jsonDecoder) token() (json.Token, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntaxError(err)
	}
	d.n++
	return tok, d.m.libTick(d.n)
}

func (d *jsonDecoder) syntaxError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return d.fail(ErrValue, "%s (offset %d)", se.Error(), se.Offset)
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return d.fail(ErrValue, "unexpected end of input")
	}
	return d.fail(ErrValue, "%v", err)
}

// value converts tok, reading the rest of an array or object.
func (d *jsonDecoder) value(tok json.Token, depth int) (Value, error) {
	switch t := tok.(type) {
	case nil:
		return Nil, nil
	case bool:
		return Bool(t), nil
	case string:
		return String(t), d.m.chargeString(len(t))
	case json.Number:
		return d.number(t)
	case json.Delim:
		if depth >= maxJSONDepth {
			return Nil, d.fail(ErrValue, "nesting deeper than %d", maxJSONDepth)
		}
		if t == '[' {
			return d.array(depth + 1)
		}
		return d.object(depth + 1)
	}
	return Nil, d.fail(ErrValue, "unexpected token %v", tok)
}

func (d *jsonDecoder) array(depth int) (Value, error) {
	b := listBuilder{m: d.m}
	for {
		tok, err := d.token()
		if err != nil {
			return Nil, err
		}
		if tok == json.Delim(']') {
			return b.list()
		}
		v, err := d.value(tok, depth)
		if err != nil {
			return Nil, err
		}
		if err := b.add(v); err != nil {
			return Nil, err
		}
	}
}

func (d *jsonDecoder) object(depth int) (Value, error) {
	mp := NewMap(0)
	for {
		tok, err := d.token()
		if err != nil {
			return Nil, err
		}
		if tok == json.Delim('}') {
			return MapValue(mp), nil
		}
		key, ok := tok.(string)
		if !ok { // the decoder reports a non-string key itself; be safe anyway
			return Nil, d.fail(ErrValue, "object key must be a string")
		}
		if tok, err = d.token(); err != nil {
			return Nil, err
		}
		v, err := d.value(tok, depth)
		if err != nil {
			return Nil, err
		}
		if err := d.m.mapSet(mp, String(key), v); err != nil {
			return Nil, err
		}
	}
}

// number converts a JSON number: an int when it is integral in form and
// fits, a float otherwise.
func (d *jsonDecoder) number(n json.Number) (Value, error) {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return Int(i), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return Nil, d.fail(ErrValue, "number %s is out of the float range", s)
	}
	return Float(f), nil
}
