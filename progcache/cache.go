package progcache

// This file defines Cache: where the files are, how they are named, and
// Load and Store.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"

	"github.com/wf-lang/wf/compiler"
)

// Cache is a directory of compiled programs.
type Cache struct {
	dir   string
	build string
}

// Open returns the cache in os.UserCacheDir()/wf/programs, or nil when
// the cache is turned off (WF_NO_CACHE is set) or cannot be used (no
// cache directory, no way to tell this build of wf from another). A nil
// Cache misses every Load and ignores every Store.
func Open() *Cache {
	if os.Getenv("WF_NO_CACHE") != "" {
		return nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return nil
	}
	return OpenDir(filepath.Join(base, "wf", "programs"))
}

// OpenDir returns the cache in dir, or nil when this build of wf cannot
// be identified.
func OpenDir(dir string) *Cache {
	b := buildID()
	if b == "" {
		return nil
	}
	return &Cache{dir: dir, build: b}
}

// buildID identifies this build of wf: its module and VCS stamps and its
// executable's path, size and time, so that any rebuild changes it.
var buildID = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	st, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	id := fmt.Sprintf("%s\x00%d\x00%d", exe, st.Size(), st.ModTime().UnixNano())
	if bi, ok := debug.ReadBuildInfo(); ok {
		id += "\x00" + bi.GoVersion + "\x00" + bi.Main.Path + "\x00" + bi.Main.Version
		for _, s := range bi.Settings {
			id += "\x00" + s.Key + "=" + s.Value
		}
	}
	return id
})

// path is the file of the program compiled from src, read from file,
// with the compile options flavor.
func (c *Cache) path(file string, src []byte, flavor string) string {
	h := sha256.New()
	for _, part := range []string{magic, c.build, compiler.BytecodeVersion, flavor, file} {
		fmt.Fprintf(h, "%d:%s", len(part), part)
	}
	h.Write(src)
	return filepath.Join(c.dir, hex.EncodeToString(h.Sum(nil))+".wfc")
}

// Load returns the program compiled from src, read from file, with the
// compile options flavor (a string naming them, the same for the same
// options), if the cache holds a valid one; nil otherwise.
func (c *Cache) Load(file string, src []byte, flavor string) *compiler.Program {
	if c == nil {
		return nil
	}
	data, err := readAtMost(c.path(file, src, flavor), MaxFileSize)
	if err != nil {
		return nil
	}
	p, err := Decode(data, src)
	if err != nil || p.File != file {
		return nil
	}
	return p
}

// Store saves p, compiled from its source read from p.File with the
// compile options flavor. It reports the error, which a caller may
// ignore: the cache only saves time.
func (c *Cache) Store(p *compiler.Program, flavor string) error {
	if c == nil {
		return nil
	}
	data, err := Encode(p)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, "tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path(p.File, p.Src, flavor))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// readAtMost reads the file at path if it holds at most limit bytes.
func readAtMost(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > limit {
		return nil, fmt.Errorf("%s: not a regular file of at most %d bytes", path, limit)
	}
	data := make([]byte, st.Size())
	_, err = io.ReadFull(f, data)
	return data, err
}
