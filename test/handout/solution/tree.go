package solution

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"distlabs/test/internal/tree"
)

// Stats summarises a generated handout.
type Stats struct {
	Files   int // Go files that had markers
	Regions int // regions replaced or removed
	Kept    int // regions kept for earlier parts (Options.UpTo)
	Dropped []string
}

// Generate writes the handout of the tree src into dst, which must not
// exist or be empty. Every .go file goes through StripFile; all marker
// errors are reported together.
func Generate(src, dst string, opt Options) (Stats, error) {
	var st Stats
	src, err := filepath.Abs(src)
	if err != nil {
		return st, fmt.Errorf("handout: %w", err)
	}
	dst, err = filepath.Abs(dst)
	if err != nil {
		return st, fmt.Errorf("handout: %w", err)
	}
	if entries, err := os.ReadDir(dst); err == nil && len(entries) > 0 {
		return st, fmt.Errorf("handout: output directory %s is not empty", dst)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return st, fmt.Errorf("handout: %w", err)
	}
	skip := func(rel string, d fs.DirEntry) bool {
		// The output may live inside the source tree: do not copy it into
		// itself. Compiled test binaries (go test -c) are build debris.
		return filepath.Join(src, rel) == dst || (!d.IsDir() && strings.HasSuffix(rel, ".test"))
	}
	if err := tree.Copy(src, dst, skip); err != nil {
		return st, fmt.Errorf("handout: %w", err)
	}
	var errs []error
	err = filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, err := filepath.Rel(dst, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Contains(data, []byte(markerPrefix)) {
			return nil
		}
		res, err := StripFile(rel, data, opt)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		switch {
		case res.Drop:
			st.Dropped = append(st.Dropped, rel)
			return os.Remove(p)
		case res.Regions > 0 || res.Kept > 0:
			st.Files++
			st.Regions += res.Regions
			st.Kept += res.Kept
			return os.WriteFile(p, res.Src, d.Type().Perm()|0o600)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return st, fmt.Errorf("handout: %w", errors.Join(errs...))
	}
	return st, nil
}

// Verify runs `go build ./...` and `go vet ./...` in the handout dir.
func Verify(ctx context.Context, dir string) error {
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("handout: go %s in %s: %w\n%s", strings.Join(args, " "), dir, err, bytes.TrimSpace(out))
		}
	}
	return nil
}

// FindMarkers lists "file:line" of every marker line left in dir's Go files.
func FindMarkers(dir string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for n := 1; sc.Scan(); n++ {
			if strings.HasPrefix(strings.TrimSpace(sc.Text()), markerPrefix) {
				found = append(found, fmt.Sprintf("%s:%d", p, n))
			}
		}
		return sc.Err()
	})
	if err != nil {
		return found, fmt.Errorf("scan for markers: %w", err)
	}
	return found, nil
}
