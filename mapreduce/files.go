package mapreduce

import (
	"fmt"
	"os"
	"path/filepath"
)

// resolve interprets name relative to dir unless it is absolute, so input
// files named on a command line work from the job's directory.
func resolve(dir, name string) string {
	if dir == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(dir, name)
}

// pendingFile is a file being written under a temporary name in the final
// name's directory; commit renames it into place. Rename within a directory
// is atomic, so readers see either no file or a complete one, and a second
// writer of the same (deterministic) content simply replaces it.
type pendingFile struct {
	*os.File
	final string
}

// createPending starts writing dir/name under a unique temporary name.
func createPending(dir, name string) (*pendingFile, error) {
	f, err := os.CreateTemp(dir, name+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create temporary for %s: %w", name, err)
	}
	return &pendingFile{File: f, final: filepath.Join(dir, name)}, nil
}

// commit closes the file and renames it to its final name.
func (p *pendingFile) commit() error {
	if err := p.Close(); err != nil {
		return fmt.Errorf("close %s: %w", p.Name(), err)
	}
	if err := os.Rename(p.Name(), p.final); err != nil {
		return fmt.Errorf("rename %s: %w", p.Name(), err)
	}
	return nil
}

// discard closes and removes an uncommitted file, on an error path or
// while a Crash unwinds (a real dead process would leave it behind, which
// is harmless too: nobody reads temporary names).
func (p *pendingFile) discard() {
	p.Close()           // the file is being thrown away; its close error is moot
	os.Remove(p.Name()) // best effort: a leftover temporary name harms nobody
}
