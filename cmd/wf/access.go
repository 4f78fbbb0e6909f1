package main

// This file defines what files a script run by wf run may touch: none
// unless --allow-read and --allow-write grant them, as Deno does.

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/wf-lang/wf/vm"
)

// accessFlags are wf run's grants of file access: none by default.
type accessFlags struct {
	read, write grantFlag
	noFiles     bool
}

func (a *accessFlags) register(fs *flag.FlagSet) {
	fs.Var(&a.read, "allow-read", "let read_file and file_exists read every path; with =PATH,PATH only those\n"+
		"files, and those directories with all under them (the default: no file access)")
	fs.Var(&a.write, "allow-write", "let write_file and remove_file write every path; with =PATH,PATH only those\n"+
		"files, and those directories with all under them (the default: no file access)")
	fs.BoolVar(&a.noFiles, "no-files", false, "no file access: the default; refused with --allow-read or --allow-write")
}

// open resolves the grants and opens their directories.
func (a *accessFlags) open() (*files, error) {
	granted := a.read.all || a.write.all || len(a.read.paths)+len(a.write.paths) > 0
	if a.noFiles && granted {
		return nil, errors.New("--no-files contradicts --allow-read and --allow-write")
	}
	return newFiles(a.read, a.write)
}

// grantFlag is --allow-read or --allow-write. Bare, it grants every path;
// as --allow-read=PATH,PATH (repeatable) it grants those files, and those
// directories with everything under them. As a boolean flag it takes
// =true and =false too, so a file named true is granted as ./true.
type grantFlag struct {
	all   bool
	paths []string
}

func (g *grantFlag) IsBoolFlag() bool { return true }

func (g *grantFlag) String() string {
	if g == nil || g.all {
		return ""
	}
	return strings.Join(g.paths, ",")
}

func (g *grantFlag) Set(s string) error {
	switch s {
	case "true":
		g.all = true
		return nil
	case "false":
		g.all, g.paths = false, nil
		return nil
	}
	for _, p := range strings.Split(s, ",") {
		if p == "" {
			return errors.New("an empty path (write =PATH,PATH, or the flag alone for every path)")
		}
		g.paths = append(g.paths, p)
	}
	return nil
}

// grant is the access one flag gives: every path, or the paths under its
// roots, or none.
type grant struct {
	flag  string // "--allow-read", for messages
	all   bool
	given []string
	roots []root
}

// root is one granted path: a directory and everything under it, or only
// the file named only in it. fsys is the directory opened as an os.Root,
// through which every access goes.
type root struct {
	dir  string // absolute, its symbolic links resolved
	only string
	fsys *os.Root
}

// newGrant resolves the paths of a flag and opens their directories.
func newGrant(name string, g grantFlag) (*grant, error) {
	gr := &grant{flag: name, all: g.all, given: g.paths}
	if g.all {
		return gr, nil
	}
	for _, p := range g.paths {
		r, err := newRoot(p)
		if err != nil {
			gr.close()
			return nil, fmt.Errorf("%s=%s: %w", name, p, err)
		}
		gr.roots = append(gr.roots, r)
	}
	return gr, nil
}

// newRoot resolves a granted path and opens its directory: the path's
// own if it is one, else its parent's, with the path as the only file.
func newRoot(path string) (root, error) {
	abs, err := resolvePath(path)
	if err != nil {
		return root{}, err
	}
	r := root{dir: abs}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		r.dir, r.only = filepath.Dir(abs), filepath.Base(abs)
	}
	r.fsys, err = os.OpenRoot(r.dir)
	return r, err
}

// close closes the directories of g.
func (g *grant) close() {
	for _, r := range g.roots {
		r.fsys.Close()
	}
}

// resolvePath returns the absolute form of path with every symbolic link
// resolved, reading ".." after a link from the link's target as the
// system does, so that it names what opening path would open. A last
// element that does not exist yet (write_file creates it) is kept by name
// under its resolved directory.
func resolvePath(path string) (string, error) {
	if !filepath.IsAbs(path) {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		path = wd + string(filepath.Separator) + path // not Join, which would clean "link/.." away
	}
	abs, err := filepath.EvalSymlinks(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return abs, err
	}
	dir, name := filepath.Split(path)
	if name == "" || name == "." || name == ".." {
		return "", err
	}
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// place is where a granted path is: name under root, or the path itself
// when every path is granted (root is nil).
type place struct {
	root *os.Root
	name string
}

// find returns where path is, or a catchable permission_denied error for
// fn when the flag does not grant it. A path that does not resolve (a
// missing directory, a loop of links) is refused as one outside, so a
// script cannot probe what lies outside its grant.
func (g *grant) find(fn, path string) (place, error) {
	if g.all {
		return place{name: path}, nil
	}
	if abs, err := resolvePath(path); err == nil {
		for _, r := range g.roots {
			if name, ok := r.contains(abs); ok {
				return place{root: r.fsys, name: name}, nil
			}
		}
	}
	if len(g.given) == 0 {
		return place{}, vm.Errorf(errPermission, "%s: no access to %q: wf run grants it with %s or %s=PATH",
			fn, path, g.flag, g.flag)
	}
	return place{}, vm.Errorf(errPermission, "%s: no access to %q: it is not under %s=%s",
		fn, path, g.flag, strings.Join(g.given, ","))
}

// errPermission is the kind of error a refused file access throws.
const errPermission = "permission_denied"

// contains reports whether the resolved path abs is under r, and its name
// relative to r's directory.
func (r root) contains(abs string) (string, bool) {
	if r.only != "" {
		return r.only, abs == filepath.Join(r.dir, r.only)
	}
	rel, err := filepath.Rel(r.dir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

// open, stat and remove act on the file at p, through its root if any.
func (p place) open(flag int, perm fs.FileMode) (*os.File, error) {
	if p.root == nil {
		return os.OpenFile(p.name, flag, perm)
	}
	return p.root.OpenFile(p.name, flag, perm)
}

func (p place) stat() (fs.FileInfo, error) {
	if p.root == nil {
		return os.Stat(p.name)
	}
	return p.root.Stat(p.name)
}

func (p place) remove() error {
	if p.root == nil {
		return os.Remove(p.name)
	}
	return p.root.Remove(p.name)
}
