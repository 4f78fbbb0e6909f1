package main

import (
	"errors"
	"io/fs"
	"os"

	"github.com/wf-lang/wf/vm"
)

// fileHosts are the host functions "wf run" gives scripts for reading and
// writing files, so a script can persist a dumped generator and pick it up
// in a later run. The VM itself has no file access; --no-files withholds
// these.
func fileHosts() []*vm.Builtin {
	return []*vm.Builtin{
		{Name: "read_file", Fn: hostReadFile},
		{Name: "write_file", Fn: hostWriteFile},
		{Name: "file_exists", Fn: hostFileExists},
		{Name: "remove_file", Fn: hostRemoveFile},
	}
}

func pathArg(name string, args []vm.Value, n int) (string, error) {
	if len(args) != n {
		return "", vm.Errorf(vm.ErrArgs, "%s takes %d argument(s), got %d", name, n, len(args))
	}
	if args[0].Kind() != vm.KindString {
		return "", vm.Errorf(vm.ErrType, "%s: path must be a string, got %s", name, args[0].TypeName())
	}
	return args[0].AsString(), nil
}

// hostReadFile implements read_file(path) → bytes.
func hostReadFile(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	path, err := pathArg("read_file", args, 1)
	if err != nil {
		return vm.Nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return vm.Nil, vm.Errorf("io_error", "read_file: %v", err)
	}
	if err := m.Charge(int64(len(b))); err != nil {
		return vm.Nil, err
	}
	return vm.Bytes(b), nil
}

// hostWriteFile implements write_file(path, data) for bytes or a string.
func hostWriteFile(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	path, err := pathArg("write_file", args, 2)
	if err != nil {
		return vm.Nil, err
	}
	var data []byte
	switch d := args[1]; d.Kind() {
	case vm.KindBytes:
		data = d.AsBytes()
	case vm.KindString:
		data = []byte(d.AsString())
	default:
		return vm.Nil, vm.Errorf(vm.ErrType, "write_file: data must be bytes or a string, got %s", d.TypeName())
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return vm.Nil, vm.Errorf("io_error", "write_file: %v", err)
	}
	return vm.Nil, nil
}

// hostFileExists implements file_exists(path) → bool.
func hostFileExists(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	path, err := pathArg("file_exists", args, 1)
	if err != nil {
		return vm.Nil, err
	}
	_, err = os.Stat(path)
	return vm.Bool(err == nil), nil
}

// hostRemoveFile implements remove_file(path); a missing file is no error.
func hostRemoveFile(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	path, err := pathArg("remove_file", args, 1)
	if err != nil {
		return vm.Nil, err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return vm.Nil, vm.Errorf("io_error", "remove_file: %v", err)
	}
	return vm.Nil, nil
}
