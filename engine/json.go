package engine

// This file defines the conversion between wf values and JSON, the form
// inputs, signal values and activity results take outside the machine.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/wf-lang/wf/vm"
)

// ErrInvalid is wrapped by errors about JSON input that does not parse.
var ErrInvalid = errors.New("invalid JSON")

// maxJSONDepth bounds nesting both ways, as json_encode does.
const maxJSONDepth = 200

// FromJSON decodes one JSON document into a wf value: objects become maps
// in document order, numbers without a fraction or exponent become ints,
// other numbers floats.
func FromJSON(data []byte) (vm.Value, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, err := decodeJSON(d, 0)
	if err != nil {
		return vm.Nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return vm.Nil, fmt.Errorf("%w: more than one value", ErrInvalid)
	}
	return v, nil
}

func decodeJSON(d *json.Decoder, depth int) (vm.Value, error) {
	if depth > maxJSONDepth {
		return vm.Nil, errors.New("nested too deeply")
	}
	tok, err := d.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return vm.Nil, err
	}
	switch t := tok.(type) {
	case nil:
		return vm.Nil, nil
	case bool:
		return vm.Bool(t), nil
	case string:
		return vm.String(t), nil
	case json.Number:
		return jsonNumber(t)
	case json.Delim:
		if t == '[' {
			return decodeArray(d, depth)
		}
		return decodeObject(d, depth)
	}
	return vm.Nil, fmt.Errorf("unexpected %v", tok)
}

func jsonNumber(n json.Number) (vm.Value, error) {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return vm.Int(i), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return vm.Nil, fmt.Errorf("number %s out of range", s)
	}
	return vm.Float(f), nil
}

func decodeArray(d *json.Decoder, depth int) (vm.Value, error) {
	var elems []vm.Value
	for d.More() {
		v, err := decodeJSON(d, depth+1)
		if err != nil {
			return vm.Nil, err
		}
		elems = append(elems, v)
	}
	_, err := d.Token() // ]
	return vm.NewList(elems), err
}

func decodeObject(d *json.Decoder, depth int) (vm.Value, error) {
	m := vm.NewMap(0)
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return vm.Nil, err
		}
		v, err := decodeJSON(d, depth+1)
		if err != nil {
			return vm.Nil, err
		}
		if _, err := m.Set(vm.String(k.(string)), v); err != nil {
			return vm.Nil, err
		}
	}
	_, err := d.Token() // }
	return vm.MapValue(m), err
}

// ToJSON encodes a wf value as compact JSON: nil, bools, numbers, strings,
// lists and maps with string keys (in insertion order). Floats keep a
// decimal point so they decode back as floats; nan, inf and other kinds
// are errors.
func ToJSON(v vm.Value) ([]byte, error) {
	var b bytes.Buffer
	if err := encodeJSON(&b, v, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func encodeJSON(b *bytes.Buffer, v vm.Value, depth int) error {
	if depth > maxJSONDepth {
		return errors.New("cannot encode as JSON: nested too deeply (cyclic?)")
	}
	switch v.Kind() {
	case vm.KindNil:
		b.WriteString("null")
	case vm.KindBool:
		b.WriteString(strconv.FormatBool(v.AsBool()))
	case vm.KindInt:
		b.WriteString(strconv.FormatInt(v.AsInt(), 10))
	case vm.KindFloat:
		return encodeFloat(b, v.AsFloat())
	case vm.KindString:
		s, _ := json.Marshal(v.AsString())
		b.Write(s)
	case vm.KindList:
		return encodeList(b, v.AsList().Elems, depth)
	case vm.KindMap:
		return encodeMap(b, v.AsMap(), depth)
	default:
		return fmt.Errorf("cannot encode a %s as JSON", v.TypeName())
	}
	return nil
}

func encodeFloat(b *bytes.Buffer, f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("cannot encode %v as JSON", f)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	b.WriteString(s)
	return nil
}

func encodeList(b *bytes.Buffer, elems []vm.Value, depth int) error {
	b.WriteByte('[')
	for i, e := range elems {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := encodeJSON(b, e, depth+1); err != nil {
			return err
		}
	}
	b.WriteByte(']')
	return nil
}

func encodeMap(b *bytes.Buffer, m *vm.Map, depth int) error {
	b.WriteByte('{')
	var err error
	i := 0
	m.Each(func(k, x vm.Value) bool {
		if k.Kind() != vm.KindString {
			err = fmt.Errorf("cannot encode a map with %s keys as JSON", k.TypeName())
			return false
		}
		if i > 0 {
			b.WriteByte(',')
		}
		i++
		ks, _ := json.Marshal(k.AsString())
		b.Write(ks)
		b.WriteByte(':')
		err = encodeJSON(b, x, depth+1)
		return err == nil
	})
	b.WriteByte('}')
	return err
}
