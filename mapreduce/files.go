package mapreduce

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// resolve interprets name relative to dir unless it is absolute, so input
// files named on a command line work from the job's directory.
func resolve(dir, name string) string {
	if dir == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(dir, name)
}

// TempDir is the hidden directory, inside the job's directory, where files
// are written before they are renamed to their final names. Being a
// subdirectory, it is on the same file system (so the rename is atomic),
// and no glob of final names (mr-out-*) can match what a killed worker
// left in it.
const TempDir = ".mr-tmp"

// DoneMarker is the file the coordinator CLI writes in the job's directory
// after every output is in place, and removes when a job starts: outputs
// without it are incomplete (the coordinator died mid-job).
const DoneMarker = "mr-done"

// pendingFile is a file being written under a temporary name in the job
// directory's TempDir; commit renames it to its final name. Rename within a
// file system is atomic, so readers see either no file or a complete one,
// and a second writer of the same (deterministic) content simply replaces
// it.
type pendingFile struct {
	*os.File
	final string
}

// createPending starts writing dir/name under a unique temporary name. The
// file is created 0644 (minus the umask), as any ordinary tool's output.
func createPending(dir, name string) (*pendingFile, error) {
	tmp := filepath.Join(dir, TempDir)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("create temporary for %s: %w", name, err)
	}
	for range 100 {
		path := filepath.Join(tmp, name+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create temporary for %s: %w", name, err)
		}
		return &pendingFile{File: f, final: filepath.Join(dir, name)}, nil
	}
	return nil, fmt.Errorf("create temporary for %s: no free name in %s", name, tmp)
}

// CleanJobDir prepares dir for a new job: it removes the temporary files
// that killed workers left (in TempDir, and beside the outputs under the
// names older versions used, mr-*.tmp-*) and a DoneMarker of an earlier
// job. The coordinator CLI calls it before it starts serving, when no
// worker of this job can be writing yet.
func CleanJobDir(dir string) error {
	if err := os.RemoveAll(filepath.Join(dir, TempDir)); err != nil {
		return fmt.Errorf("clean job directory: %w", err)
	}
	old, err := filepath.Glob(filepath.Join(dir, "mr-*.tmp-*"))
	if err != nil {
		return fmt.Errorf("clean job directory: %w", err)
	}
	for _, name := range append(old, filepath.Join(dir, DoneMarker)) {
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clean job directory: %w", err)
		}
	}
	return nil
}

// WriteDoneMarker writes dir/DoneMarker, listing the job's outputs. The
// coordinator CLI calls it once every reduce task is reported, so the
// marker is the last file of a job to appear.
func WriteDoneMarker(dir string, nReduce int) error {
	f, err := createPending(dir, DoneMarker)
	if err != nil {
		return err
	}
	for y := range nReduce {
		if _, err := fmt.Fprintln(f, OutputName(y)); err != nil {
			f.discard()
			return fmt.Errorf("write %s: %w", DoneMarker, err)
		}
	}
	return f.commit()
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
