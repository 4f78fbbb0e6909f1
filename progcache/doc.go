// Package progcache keeps compiled programs on disk between runs, as
// Python keeps .pyc files, so that `wf run` of a program it has run
// before skips parsing and compiling.
//
// A compiled program is stored in a file whose name is a hash of
// everything its bytecode depends on: the source text and the path it
// was read from, the compile options (the predeclared names, the parser's
// limits), the instruction set (compiler.BytecodeVersion) and the build of
// wf itself (its module version and VCS revision, and the size and time
// of its executable, so a rebuilt wf never reads what another build
// wrote). A changed source, option or wf looks up another file: an entry
// is never stale, only unused, and nothing needs invalidating.
//
// The file holds a short header, the SHA-256 of its body, and the body:
// the program in CBOR. Load refuses a file whose checksum fails, whose
// CBOR does not decode within fixed limits, or whose program fails
// compiler.Verify — the checks that the VM can run it without reading
// outside its tables — or whose source is not the one being run. A
// refused entry is a miss: the caller compiles the source again and Store
// overwrites the file. Writes go to a temporary file renamed into place,
// so a reader never sees half a file; a write that fails is ignored,
// since the cache only saves time.
//
// The cache lives in os.UserCacheDir()/wf/programs. The environment
// variable WF_NO_CACHE (any non-empty value) turns it off, as does wf
// run's --no-cache flag.
package progcache
