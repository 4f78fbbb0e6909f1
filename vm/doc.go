// Package vm runs compiled .wf programs on a bytecode machine whose whole
// state is plain data, so that a running program can stop anywhere,
// become bytes, and continue later in another process.
//
// # Machines
//
// A Machine runs one program: a *compiler.Program from Compile (or from
// package compiler directly). Its state is the program's globals, a set
// of fibers with their frames and operand stacks, the heap of objects
// they reach, a step counter, and, while a host function has suspended
// it, the pending request. Nothing lives in Go locals between two
// instructions, which is what makes Snapshot possible. A Machine is not
// safe for concurrent use; machines of one program may run on many
// goroutines at once, since a program is immutable and shared.
//
// # Values
//
// A Value is 24 bytes passed by value. nil, bool, int (int64) and float
// (float64) live inside it and never allocate; strings are immutable
// byte strings that point at their data; bytes, lists, maps, functions,
// builtins, errors, ranges, iterators, generators and coroutines point to
// their object, so lists and maps are shared by reference. Kind tells
// which; the accessors (AsInt, AsString, AsList, ...) give the payload of
// their own kind and the zero value for any other, so test Kind first.
// Int overflow is an error, never a wraparound.
//
// # Fibers, frames, the operand stack and the pc
//
// A fiber is a thread of control: one value stack and the frames on it.
// A frame is a closure, a pc (the index of its next instruction) and a
// base (where its locals start on the fiber's stack); its operand stack
// lies above its locals. A .wf call pushes a frame and the one dispatch
// loop continues in it; a return pops it: a call never recurses on the
// Go stack. Each fiber's depth is bounded by Options.MaxCallDepth
// (a catchable stack_overflow error).
//
// # Generators and coroutines
//
// Calling a function that contains yield makes a generator: a fiber that
// runs when resumed (g.next(), g.send(v), a for loop) and suspends at each
// yield. coroutine(fn) makes a greenlet-style coroutine that runs when
// switched to (co.switch(args)) and hands control back by switching to
// another; current() is the running one. Moving between fibers changes
// the machine's current fiber and pushes the transferred value on the
// receiving fiber's stack; no goroutine is involved.
//
// # Host functions and suspension
//
// A host function is a Builtin: a name and a Go function that .wf code
// calls like any function. Compile declares host functions to the
// compiler and binds them to the program; New and Restore then register
// them (Options.Hosts adds or replaces some by name). UnpackArgs checks a
// host function's arguments. A host function may return
// m.Suspend(name, request): Run (or Resume) then returns a *Suspension
// carrying the request, and the machine waits, in memory or as a snapshot,
// until Resume delivers the reply as the host function's result. This is
// how the engine package makes workflows wait for signals and timers.
//
// A Go function that calls back into .wf (sort's comparator, or Call)
// does sit on the Go stack, so the function it calls may not yield,
// switch away or suspend the machine, and Snapshot waits until it returns.
//
// # Calling into a program from Go
//
// After Run, Global reads a global by name and Globals lists those set.
// Call calls a .wf function value (from Global, or handed to a host
// function) with arguments: from a host function it runs above the
// caller's frames; from outside the loop, on a machine that has not
// started, waits for Resume, or has finished, it runs on a fiber of its
// own and leaves the machine as it was. FromJSON and ToJSON convert
// between JSON and values by json_decode's and json_encode's rules.
//
// # Snapshots
//
// Snapshot captures the whole machine: globals, every fiber with its
// frames, handlers and operand stack, every object they reach (shared
// and cyclic structure kept), the step and allocation counters and a
// pending host call. The encoding is deterministic CBOR with the heap as
// one flat table of objects referring to each other by index, so deep
// data does not nest deeply; spec/snapshot.md is the format's reference.
// Builtins and host functions are stored by name, code by the program's
// hash: Restore needs the same program (else ErrWrongProgram) and its
// host functions. SnapshotOptions.EmbedProgram stores the source too;
// EmbeddedProgram reads it back. Dump and Load (the dump and load
// builtins) do the same for one value and what it reaches; the root
// coroutine and globals are referenced, not copied.
//
// A snapshot is untrusted input. Restore, Load, Inspect and SetVariable
// decode it under fixed limits (MaxSnapshotSize, nesting, counts), check
// every reference and kind, and then verify its meaning against the
// code (each frame at a reachable pc with the stack height the code
// implies there, handlers, cells, fiber states and links) before
// anything runs; every failure wraps ErrBadSnapshot. Inspect describes a
// snapshot without running it; SetVariable edits a variable in one.
//
// # Upgrading to new code
//
// A snapshot names functions, pcs and slots by number, meaningful only for
// the program (and the wf build) that made it. Upgrade moves a machine
// snapshot onto another program by names that survive edits, read through
// the old program's upgrade map (compiler.Map, stored with programs): each
// frame to the function with the same id, the suspension point with the
// same id (what it calls: wait("approval")#1) and the same pending
// temporaries, each variable by name, closures' captured variables by name.
// What names cannot decide (a variable that loses or lacks a value) goes to
// the new program's on_upgrade hook; what cannot move is refused with a
// Report saying why, and PlanUpgrade reports without moving. The result
// passes the same verifier as any snapshot. Markers reads a snapshot's
// version markers (the version builtin). spec/language.md §12 has the
// rules, spec/snapshot.md the map's format.
//
// # Limits
//
// Options bound a machine: MaxSteps (instructions, counted in the loop and
// in .wf code that Go builtins call back), MaxAlloc (bytes strings, lists
// and maps grow by), MaxCallDepth (frames per fiber) and Context
// (cancellation, polled in the loop and in long builtins). A step or
// allocation limit or a cancellation stops the machine with an error no
// try/catch can intercept; after the step limit, the machine can still be
// snapshotted where it stopped. The step and allocation counts are part
// of a snapshot, so a restored machine goes on counting from them, unless
// Options.FreshBudgets starts them at zero for the run. Host functions
// that build large values call Charge, and long-running ones Poll.
//
// # Pausing, for debuggers
//
// Pause arms a stop between two instructions: at a step count, or where
// a predicate called at every instruction boundary says so. Run or
// Resume then returns ErrPaused with the machine whole: it may be
// snapshotted, inspected (Location, Local, Global), and continued by Run
// exactly as if it had never stopped; a host suspension on the way still
// suspends. The pause rides the slow path the step budget already takes
// (the loop stops at a precomputed step and calls event), so a machine
// without a pause runs the same instructions as before. Package debug
// builds stepping, breakpoints and reverse execution on it.
//
// # Errors
//
// A throw that no .wf code catches makes Run return a *RuntimeError: the
// thrown value and a traceback. Runtime errors and error() values are
// *Error, with a kind .wf code sees as e.kind (ErrType, ErrValue,
// ErrArgs, ...); a host function returns an *Error (Errorf) to throw a
// catchable error, and any other Go error becomes a value_error. A panic
// inside wf itself, a bug, is returned as an error wrapping ErrInternal,
// and the machine refuses to run on. Misuse of the Go API (a nil
// machine, Resume without a suspension, Run from one of its own host
// functions, a wrong argument) is an error too, never a panic.
//
// # Embedding
//
//	prog, err := vm.Compile("flow.wf", src, vm.CompileOptions{Hosts: []*vm.Builtin{ask}})
//	m, err := vm.New(prog, vm.Options{MaxSteps: 1e6})
//	susp, err := m.Run()                           // ask suspended it: susp.Request
//	state, err := m.Snapshot(vm.SnapshotOptions{}) // store it anywhere
//	m2, err := vm.Restore(prog, state, vm.Options{})
//	_, err = m2.Resume(vm.String("yes"))          // "yes" is what ask returns
//
// Example_embedding shows the whole flow with its host function.
package vm
