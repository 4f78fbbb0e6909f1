package main

// This file defines the host functions wf run gives scripts for files.

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/wf-lang/wf/vm"
)

// fileNames are the names of the file host functions. Every program may
// use them, so that it compiles (and its snapshots restore) the same
// whatever access a run grants; a call without access throws.
var fileNames = []string{"read_file", "write_file", "file_exists", "remove_file"}

// files is the file access of one run: what --allow-read grants to
// read_file and file_exists, and what --allow-write grants to write_file
// and remove_file. The VM itself has no file access.
type files struct {
	read, write *grant
}

// newFiles resolves the grants of the flags.
func newFiles(read, write grantFlag) (*files, error) {
	r, err := newGrant("--allow-read", read)
	if err != nil {
		return nil, err
	}
	w, err := newGrant("--allow-write", write)
	if err != nil {
		r.close()
		return nil, err
	}
	return &files{read: r, write: w}, nil
}

func (f *files) close() {
	f.read.close()
	f.write.close()
}

// hosts returns the file host functions, so a script can persist a dumped
// generator and pick it up in a later run.
func (f *files) hosts() []*vm.Builtin {
	return []*vm.Builtin{
		{Name: "read_file", Fn: f.readFile},
		{Name: "write_file", Fn: f.writeFile},
		{Name: "file_exists", Fn: f.fileExists},
		{Name: "remove_file", Fn: f.removeFile},
	}
}

// readFile implements read_file(path) → bytes. It reads no more than the
// allocation budget has left, plus one byte to know it is over: a file
// larger than that fails with the memory limit error before it is read
// whole, and /dev/zero cannot run the process out of memory.
func (f *files) readFile(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	var path string
	if err := vm.UnpackArgs("read_file", args, "path", &path); err != nil {
		return vm.Nil, err
	}
	p, err := f.read.find("read_file", path)
	if err != nil {
		return vm.Nil, err
	}
	file, err := p.open(os.O_RDONLY, 0)
	if err != nil {
		return vm.Nil, vm.Errorf("io_error", "read_file: %v", err)
	}
	defer file.Close()
	b, err := readBudgeted(m, file)
	if err != nil {
		return vm.Nil, err
	}
	return vm.Bytes(b), nil
}

// readBudgeted reads file within m's allocation budget and charges what
// it read.
func readBudgeted(m *vm.Machine, file *os.File) ([]byte, error) {
	left, limited := m.AllocLeft()
	size := int64(-1)
	if st, err := file.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	if limited && size > left {
		return nil, m.Charge(size) // over the budget: the memory limit error
	}
	var r io.Reader = file
	hint := min(size, 64<<20)
	if limited {
		r, hint = io.LimitReader(file, max(left, 0)+1), min(size, left)
	}
	b, err := readAll(r, hint)
	if err != nil {
		return nil, vm.Errorf("io_error", "read_file: %v", err)
	}
	return b, m.Charge(int64(len(b)))
}

// readAll reads r to its end into a buffer sized for hint bytes (none if
// hint is negative), growing it only if there are more, as os.ReadFile
// does.
func readAll(r io.Reader, hint int64) ([]byte, error) {
	b := make([]byte, 0, max(hint, 0)+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// writeFile implements write_file(path, data) for bytes or a string.
func (f *files) writeFile(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	var path string
	var data vm.Value
	if err := vm.UnpackArgs("write_file", args, "path", &path, "data", &data); err != nil {
		return vm.Nil, err
	}
	var b []byte
	switch data.Kind() {
	case vm.KindBytes:
		b = data.AsBytes()
	case vm.KindString:
		b = []byte(data.AsString())
	default:
		return vm.Nil, vm.Errorf(vm.ErrType, "write_file: data must be bytes or a string, got %s", data.TypeName())
	}
	p, err := f.write.find("write_file", path)
	if err != nil {
		return vm.Nil, err
	}
	if err := writeAll(p, b); err != nil {
		return vm.Nil, vm.Errorf("io_error", "write_file: %v", err)
	}
	return vm.Nil, nil
}

func writeAll(p place, b []byte) error {
	file, err := p.open(os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = file.Write(b)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return err
}

// fileExists implements file_exists(path) → bool; it needs read access.
func (f *files) fileExists(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	var path string
	if err := vm.UnpackArgs("file_exists", args, "path", &path); err != nil {
		return vm.Nil, err
	}
	p, err := f.read.find("file_exists", path)
	if err != nil {
		return vm.Nil, err
	}
	_, err = p.stat()
	return vm.Bool(err == nil), nil
}

// removeFile implements remove_file(path); a missing file is no error.
func (f *files) removeFile(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	var path string
	if err := vm.UnpackArgs("remove_file", args, "path", &path); err != nil {
		return vm.Nil, err
	}
	p, err := f.write.find("remove_file", path)
	if err != nil {
		return vm.Nil, err
	}
	if err := p.remove(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return vm.Nil, vm.Errorf("io_error", "remove_file: %v", err)
	}
	return vm.Nil, nil
}
