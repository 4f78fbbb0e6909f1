// Package paths expands the file arguments of wf's tools: a file names
// itself, a directory every file under it with a given suffix.
package paths

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Expand returns the files args name: each file as it is, and for each
// directory the files under it whose names end in suffix, in lexical
// order. A missing path is an error.
func Expand(args []string, suffix string) ([]string, error) {
	var files []string
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, arg)
			continue
		}
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, suffix) {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}
