//solution:file

package tritonhttp

import (
	"path/filepath"
	"syscall"
	"testing"

	"distlabs/test/labtest"
)

// A file that exists but cannot be opened is the server's failure, not the
// client's: 500, not 404 (issue 11: with descriptors exhausted, existing
// files were reported missing). A socket node stands in for such a file:
// open(2) refuses it with ENXIO even for root, unlike a chmod 000 file.
func TestUnopenableFileIs500(t *testing.T) {
	onSite(t, "Test: an existing file that cannot be opened is a 500", basicHosts(), func(t *labtest.T, s *site) {
		root := s.roots["site"]
		if err := syscall.Mknod(filepath.Join(root, "sock.txt"), syscall.S_IFSOCK|0o644, 0); err != nil {
			t.Fatalf("mknod: %v", err)
		}
		c := s.dial()
		defer c.close()
		c.get("site", "/sock.txt")
		r := c.expectStatus(StatusInternalServerError)
		if len(r.body) != 0 {
			t.Errorf("500 with a body %q", r.body)
		}
		checkDate(t, r)
		c.get("site", "/missing.txt")
		c.expectStatus(StatusNotFound)
		c.get("site", "/a.txt")
		c.expectSite("a.txt")
		t.Passed(1, 3, 0, 0)
	})
}
