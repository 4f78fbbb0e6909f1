package progcache

// This file defines the file format: header, checksum, and the program
// in CBOR.

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"

	"github.com/wf-lang/wf/compiler"
)

// magic starts every cache file; the digit is the format's version.
const magic = "wf-program-cache-1\n"

// MaxFileSize bounds the cache files Decode reads.
const MaxFileSize = 64 << 20

// ErrInvalid is wrapped by every refusal of Decode.
var ErrInvalid = errors.New("invalid compiled program")

var decMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:   16,
		MaxArrayElements:  1 << 24,
		MaxMapPairs:       64,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		UTF8:              cbor.UTF8DecodeInvalid, // wf strings are bytes
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

var encMode = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// Encode returns the cache file of p.
func Encode(p *compiler.Program) ([]byte, error) {
	body, err := encMode.Marshal(p)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	out := make([]byte, 0, len(magic)+len(sum)+len(body))
	out = append(append(append(out, magic...), sum[:]...), body...)
	return out, nil
}

// Decode returns the program in data, a cache file, if it is whole, is
// the compiled form of src, and passes compiler.Verify; otherwise an
// error wrapping ErrInvalid.
func Decode(data, src []byte) (*compiler.Program, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrInvalid, len(data))
	}
	rest, ok := bytes.CutPrefix(data, []byte(magic))
	if !ok || len(rest) < sha256.Size {
		return nil, fmt.Errorf("%w: not a cache file of this format", ErrInvalid)
	}
	sum, body := rest[:sha256.Size], rest[sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrInvalid)
	}
	p := new(compiler.Program)
	if err := decMode.Unmarshal(body, p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !bytes.Equal(p.Src, src) {
		return nil, fmt.Errorf("%w: compiled from another source", ErrInvalid)
	}
	if err := compiler.Verify(p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return p, nil
}
