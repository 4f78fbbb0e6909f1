// Package debug steps through a .wf run forwards and backwards.
//
// A Session owns one run of a program and a cursor on its timeline of
// steps (the machine's instruction count, see vm.Machine.Steps). Moving
// the cursor forward runs the machine with a pause armed (vm.Pause);
// moving it back never undoes anything. Instead the session
//
//   - keeps checkpoints: snapshots of the whole machine taken as the run
//     first passes certain steps, spaced further apart the larger the
//     snapshot (so that taking them costs a small share of the run) and
//     thinned, every other one of the older half, whenever they would
//     exceed a memory cap (Config.MaxCheckpointBytes, 64 MiB by default);
//     the start needs none: a new machine is the state at step 0 (or
//     Config.Snapshot is, for a run that starts from a stored state);
//   - logs every input from outside by step: what each host function
//     returned and each reply to a host suspension, as vm.Dump bytes;
//   - and reaches any earlier step by restoring the nearest checkpoint at
//     or before it and running forward to that exact step. The VM is
//     deterministic and the log answers every host call the same way
//     again, so the state reached is the very state first seen there,
//     snapshot byte for snapshot byte. Output of steps already run is not
//     printed again.
//
// # Commands
//
// Step, Next, Finish and Continue move forward, RStep, RNext, RFinish
// and RContinue are their reverse twins, Goto jumps to a step. Each is
// defined by a condition on two consecutive instruction boundaries (see
// cond.go): a forward command stops at the first boundary after the
// cursor where its condition holds, the reverse twin at the last one
// before the cursor. A reverse command scans checkpoint intervals
// backwards, re-running each with the condition watching, then goes to
// the last boundary found.
//
// Breakpoints (Break, BreakWith) name a line that has code, a function,
// or an event (a reply to wait, a signal, an activity's result), with a
// condition, a hit count or a message to log instead of stopping (a
// logpoint, which prints its hits on the run so far when it is set, and
// later ones as the run first reaches them); Watch names a variable and
// stops where its value changes. The log is not capped: it grows with
// what comes from outside, not with the steps.
//
// # Expressions and edits
//
// Eval evaluates an expression in a frame on a copy of the variables it
// names, in a machine of its own (eval.go): the debuggee is untouched.
// Set changes a variable at the cursor: the state it makes is a pinned
// checkpoint that every run reaching that step takes, and what was
// recorded past it is dropped, so the timeline from there on is new and
// the one before it is as it was (set.go).
//
// # Stored instances
//
// A session may start from a stored version of a durable instance
// (Config.Snapshot, Config.Version): each later suspension is then where
// the next version was made, GotoVersion goes there, and the caller's
// Reply answers with what the instance's history says it got.
// Console reads
// commands from a reader and prints each stop with its source line: wf
// debug is a Console on a Session.
package debug
