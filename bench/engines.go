// Package bench compares wf with the interpreters Go programs embed
// (gopher-lua, starlark-go, goja, tengo) and with native Go, on the
// workloads in package workloads. Every run's result is checked against
// native Go's answer, so no engine can win by doing less.
//
// Engines run each operation in a fresh VM from a program compiled once;
// the startup workload alone compiles from source on every operation.
// Run the whole comparison with `go run ./cmd/compare`; the same pairs
// are Go benchmarks (BenchmarkSuite) for benchstat.
package bench

// This file defines the engines and how each one runs a script.

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/stdlib"
	"github.com/dop251/goja"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/vm"

	"github.com/wf-lang/wf/bench/workloads"
)

// Runner runs one operation of a prepared workload and returns the
// integer the script reported.
type Runner func() (int64, error)

// ErrNA reports that an engine has no version of a workload (Starlark and
// tengo have no generators; only wf can dump a suspended generator).
var ErrNA = errors.New("n/a")

// Engine is one language implementation under test.
type Engine struct {
	Name string
	Ext  string // script extension under workloads/; "" for native Go

	// hot compiles src once and returns a runner that runs it in a fresh
	// VM on every call.
	hot func(src string) (Runner, error)
	// cold returns a runner that compiles src and runs it in a fresh VM on
	// every call.
	cold func(src string) (Runner, error)
}

// Engines lists the engines in table order: wf, the peers, native Go.
var Engines = []*Engine{
	{Name: "wf", Ext: "wf", hot: wfHot, cold: wfCold},
	{Name: "gopher-lua", Ext: "lua", hot: luaHot, cold: luaCold},
	{Name: "starlark", Ext: "star", hot: starHot, cold: starCold},
	{Name: "goja", Ext: "js", hot: gojaHot, cold: gojaCold},
	{Name: "tengo", Ext: "tengo", hot: tengoHot, cold: tengoCold},
	{Name: "go", Ext: ""},
}

// EngineNamed returns the engine called name, or nil.
func EngineNamed(name string) *Engine {
	for _, e := range Engines {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// Native reports whether e is native Go.
func (e *Engine) Native() bool { return e.Ext == "" }

// prelude defines the global N in the syntax of the language ext.
func prelude(ext string, n int) string {
	switch ext {
	case "lua":
		return fmt.Sprintf("N = %d\n", n)
	case "js":
		return fmt.Sprintf("const N = %d;\n", n)
	case "tengo":
		return fmt.Sprintf("N := %d\n", n)
	case "wf":
		return fmt.Sprintf("let N = %d\n", n)
	default:
		return fmt.Sprintf("N = %d\n", n)
	}
}

// wf

// wfPredeclared is the names a workload may use without declaring them:
// the universe and the host function result. Like starlark's predeclared
// dictionary (starPredeclared), it is made once, not per cold start.
var wfPredeclared = append(vm.Universe(), "result")

func wfCompile(src string) (*compiler.Program, error) {
	return compiler.CompileSource("bench.wf", []byte(src), compiler.Options{Predeclared: wfPredeclared})
}

// wfResult is the host function result(n), storing n in *out.
func wfResult(out *int64) *vm.Builtin {
	return &vm.Builtin{Name: "result", Fn: func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		if len(args) != 1 || args[0].Kind() != vm.KindInt {
			return vm.Nil, fmt.Errorf("result: want one int")
		}
		*out = args[0].AsInt()
		return vm.Nil, nil
	}}
}

func wfRun(p *compiler.Program, out *int64, hosts []*vm.Builtin) error {
	m, err := vm.New(p, vm.Options{Stdout: io.Discard, Hosts: hosts})
	if err != nil {
		return err
	}
	_, err = m.Run()
	return err
}

func wfHot(src string) (Runner, error) {
	p, err := wfCompile(src)
	if err != nil {
		return nil, err
	}
	var out int64
	hosts := []*vm.Builtin{wfResult(&out)}
	return func() (int64, error) {
		out = -1
		err := wfRun(p, &out, hosts)
		return out, err
	}, nil
}

func wfCold(src string) (Runner, error) {
	var out int64
	hosts := []*vm.Builtin{wfResult(&out)}
	return func() (int64, error) {
		out = -1
		p, err := wfCompile(src)
		if err != nil {
			return 0, err
		}
		err = wfRun(p, &out, hosts)
		return out, err
	}, nil
}

// gopher-lua

func luaCompile(src string) (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(src), "bench.lua")
	if err != nil {
		return nil, err
	}
	return lua.Compile(chunk, "bench.lua")
}

// luaRun runs proto in a fresh state. The cold path skips opening the
// standard libraries, the cheapest fresh VM gopher-lua offers. The
// registry may grow to 1M slots in steps of 32K: table.concat pushes every
// piece on it, and the default fixed size overflows on the strings
// workload.
func luaRun(proto *lua.FunctionProto, out *int64, libs bool) error {
	L := lua.NewState(lua.Options{SkipOpenLibs: !libs, RegistryMaxSize: 1 << 20, RegistryGrowStep: 1 << 15})
	defer L.Close()
	L.SetGlobal("result", L.NewFunction(func(L *lua.LState) int {
		*out = int64(L.CheckNumber(1))
		return 0
	}))
	L.Push(L.NewFunctionFromProto(proto))
	return L.PCall(0, 0, nil)
}

func luaHot(src string) (Runner, error) {
	proto, err := luaCompile(src)
	if err != nil {
		return nil, err
	}
	var out int64
	return func() (int64, error) {
		out = -1
		err := luaRun(proto, &out, true)
		return out, err
	}, nil
}

func luaCold(src string) (Runner, error) {
	var out int64
	return func() (int64, error) {
		out = -1
		proto, err := luaCompile(src)
		if err != nil {
			return 0, err
		}
		err = luaRun(proto, &out, false)
		return out, err
	}, nil
}

// starlark-go

// starOptions allow recursion, which fib needs, and loops and reassigned
// globals at the top level, which loopadd needs; the other workloads keep
// to plain Starlark.
var starOptions = &syntax.FileOptions{Recursion: true, TopLevelControl: true, GlobalReassign: true}

func starPredeclared(out *int64) starlark.StringDict {
	return starlark.StringDict{"result": starlark.NewBuiltin("result",
		func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var n int64
			if err := starlark.UnpackPositionalArgs("result", args, kwargs, 1, &n); err != nil {
				return nil, err
			}
			*out = n
			return starlark.None, nil
		})}
}

func starHot(src string) (Runner, error) {
	_, prog, err := starlark.SourceProgramOptions(starOptions, "bench.star", src, func(name string) bool { return name == "result" })
	if err != nil {
		return nil, err
	}
	var out int64
	predeclared := starPredeclared(&out)
	return func() (int64, error) {
		out = -1
		_, err := prog.Init(&starlark.Thread{Name: "bench"}, predeclared)
		return out, err
	}, nil
}

func starCold(src string) (Runner, error) {
	var out int64
	predeclared := starPredeclared(&out)
	return func() (int64, error) {
		out = -1
		_, err := starlark.ExecFileOptions(starOptions, &starlark.Thread{Name: "bench"}, "bench.star", src, predeclared)
		return out, err
	}, nil
}

// goja

func gojaRun(p *goja.Program, out *int64) error {
	r := goja.New()
	if err := r.Set("result", func(n int64) { *out = n }); err != nil {
		return err
	}
	_, err := r.RunProgram(p)
	return err
}

func gojaHot(src string) (Runner, error) {
	p, err := goja.Compile("bench.js", src, false)
	if err != nil {
		return nil, err
	}
	var out int64
	return func() (int64, error) {
		out = -1
		err := gojaRun(p, &out)
		return out, err
	}, nil
}

func gojaCold(src string) (Runner, error) {
	var out int64
	return func() (int64, error) {
		out = -1
		p, err := goja.Compile("bench.js", src, false)
		if err != nil {
			return 0, err
		}
		err = gojaRun(p, &out)
		return out, err
	}, nil
}

// tengo

func tengoScript(src string, out *int64) (*tengo.Script, error) {
	s := tengo.NewScript([]byte(src))
	s.SetImports(stdlib.GetModuleMap("text"))
	err := s.Add("result", &tengo.UserFunction{Name: "result", Value: func(args ...tengo.Object) (tengo.Object, error) {
		n, ok := args[0].(*tengo.Int)
		if len(args) != 1 || !ok {
			return nil, fmt.Errorf("result: want one int")
		}
		*out = n.Value
		return tengo.UndefinedValue, nil
	}})
	return s, err
}

func tengoHot(src string) (Runner, error) {
	var out int64
	s, err := tengoScript(src, &out)
	if err != nil {
		return nil, err
	}
	c, err := s.Compile()
	if err != nil {
		return nil, err
	}
	return func() (int64, error) {
		out = -1
		err := c.Clone().Run()
		return out, err
	}, nil
}

func tengoCold(src string) (Runner, error) {
	var out int64
	return func() (int64, error) {
		out = -1
		s, err := tengoScript(src, &out)
		if err != nil {
			return 0, err
		}
		_, err = s.Run()
		return out, err
	}, nil
}

// scriptSource returns e's script for workload name at size n, with the
// prelude defining N when n > 0.
func scriptSource(e *Engine, name string, n int) (string, error) {
	src, ok := workloads.Source(name, e.Ext)
	if !ok {
		return "", ErrNA
	}
	if n > 0 {
		src = prelude(e.Ext, n) + src
	}
	return src, nil
}
