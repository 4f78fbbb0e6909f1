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
// Breakpoints (Break) name a line that has code, or a function; Watch
// names a variable and stops where its value changes. The log is not
// capped: it grows with what comes from outside, not with the steps.
// Console reads
// commands from a reader and prints each stop with its source line: wf
// debug is a Console on a Session.
package debug
