//solution:file

package mapreduce

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"distlabs/test/labtest"
)

// Issue 11: a worker killed mid-task left mr-out-0.tmp-* beside the
// outputs, where the README's own check (sort mr-out-*) read it. Files in
// progress live in a hidden directory that no output glob reaches, and
// land 0644 minus the umask.
func TestPendingFilesOutsideOutputGlob(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		dir := t.TempDir()
		old := syscall.Umask(0o027)
		defer syscall.Umask(old)
		killed, err := createPending(dir, OutputName(0)) // never committed: a killed worker
		if err != nil {
			t.Fatal(err)
		}
		defer killed.Close()
		done, err := createPending(dir, OutputName(1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := done.WriteString("a 1\n"); err != nil {
			t.Fatal(err)
		}
		if err := done.commit(); err != nil {
			t.Fatal(err)
		}
		got, err := filepath.Glob(filepath.Join(dir, "mr-out-*"))
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{filepath.Join(dir, OutputName(1))}; !slices.Equal(got, want) {
			t.Fatalf("mr-out-* matches %q, want only the committed %q", got, want)
		}
		fi, err := os.Stat(got[0])
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o640 {
			t.Fatalf("output mode %v under umask 027, want -rw-r-----", m)
		}
	})
}

// CleanJobDir removes what killed workers and an earlier job left behind,
// and nothing else.
func TestCleanJobDir(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		dir := t.TempDir()
		stale, err := createPending(dir, OutputName(0))
		if err != nil {
			t.Fatal(err)
		}
		stale.Close()
		keep := []string{OutputName(0), IntermediateName(0, 0), "input.txt"}
		for _, name := range append(keep, "mr-out-3.tmp-123", DoneMarker) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := CleanJobDir(dir); err != nil {
			t.Fatal(err)
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		slices.Sort(keep)
		if !slices.Equal(names, keep) {
			t.Fatalf("after CleanJobDir the directory holds %q, want %q", names, keep)
		}
		if err := WriteDoneMarker(dir, 2); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, DoneMarker))
		if err != nil || string(data) != "mr-out-0\nmr-out-1\n" {
			t.Fatalf("%s: %q, %v", DoneMarker, data, err)
		}
	})
}
