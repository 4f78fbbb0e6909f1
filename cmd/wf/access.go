package main

// This file defines what files a script run by wf run may touch: none
// unless --allow-read and --allow-write grant them, as Deno does.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/wf-lang/wf/vm"
)

// grantFlag is --allow-read or --allow-write. Bare, it grants every path;
// as --allow-read=PATH,PATH (repeatable) it grants those files, and those
// directories with everything under them.
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
func newGrant(flag string, g grantFlag) (*grant, error) {
	gr := &grant{flag: flag, all: g.all, given: g.paths}
	if g.all {
		return gr, nil
	}
	for _, p := range g.paths {
		r, err := newRoot(p)
		if err != nil {
			gr.close()
			return nil, fmt.Errorf("%s=%s: %w", flag, p, err)
		}
		gr.roots = append(gr.roots, r)
	}
	return gr, nil
}

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
