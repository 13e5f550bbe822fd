//solution:file

package distsort

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tempPrefix is how the temporary files of output start: hidden, and named
// after the output so that a later run of the same server can find and
// remove what a killed run left behind.
func tempPrefix(output string) string { return "." + filepath.Base(output) + ".tmp-" }

// createTemp creates a new temporary file beside output. Unlike
// os.CreateTemp (always 0600) it asks for 0644, so the output the file is
// renamed to gets the permissions of any ordinary tool's output: 0644 minus
// the umask.
func createTemp(output string) (*os.File, error) {
	dir, prefix := filepath.Dir(output), tempPrefix(output)
	for range 100 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("no free temporary name beside %s", output)
}

// removeStaleTemps removes the temporary files of output that a killed run
// left behind (a run that fails normally removes its own). Only this
// server writes output, so any such file is stale when a run starts.
func removeStaleTemps(output string) error {
	dir, prefix := filepath.Dir(output), tempPrefix(output)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("removing stale temporary file: %w", err)
			}
		}
	}
	return nil
}
