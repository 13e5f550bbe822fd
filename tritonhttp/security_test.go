package tritonhttp

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"distlabs/test/labtest"
)

// secret is the content of files outside every docroot; no response may
// ever contain it.
const secret = "TOP-SECRET-outside-the-docroot"

// expectNoSecret reads a response, checks it is a 404 (or, for URLs the
// parser rejects, a 400) and that it does not leak the secret.
func expectNoSecret(t *labtest.T, c *client, url string) {
	t.Helper()
	r := c.read()
	if strings.Contains(string(r.body), secret) {
		t.Fatalf("GET %s leaked a file outside the docroot: %q", url, r.body)
	}
	if r.status != StatusNotFound {
		t.Fatalf("GET %s: status %d, want 404", url, r.status)
	}
}

// Spec "Path": the URL is cleaned; anything resolving outside the docroot is
// 404. Issue acceptance: /../../etc/passwd never returns a file from outside.
// A ".." that stays inside the docroot is fine.
func TestTraversal(t *testing.T) {
	onSite(t, "Test: .. cannot leave the docroot", basicHosts(), func(t *labtest.T, s *site) {
		root := s.roots["site"]
		// Files next to and above the docroot that a traversal would reach.
		parent := filepath.Dir(root)
		labtest.WriteFiles(t, parent, map[string]string{"secret.txt": secret, "site-secret.txt": secret})
		labtest.WriteFiles(t, filepath.Dir(parent), map[string]string{"secret.txt": secret})
		rel, err := filepath.Rel("/", filepath.Join(parent, "secret.txt"))
		if err != nil {
			t.Fatal(err)
		}
		c := s.dial()
		defer c.close()
		for _, url := range []string{
			"/../secret.txt",
			"/../../secret.txt",
			"/sub/../../secret.txt",
			"/../site-secret.txt",
			"/./../secret.txt",
			"/%2e%2e/secret.txt",
			"/..%2fsecret.txt",
			"/../../../../../../../../" + rel,
			"/../../etc/passwd",
			"/../../../../../../../../../etc/passwd",
			"/" + strings.Repeat("../", 40) + "etc/passwd",
		} {
			c.get("site", url)
			expectNoSecret(t, c, url)
		}
		// ".." that stays inside is served.
		for _, url := range []string{"/sub/../a.txt", "/sub/./../sub/../a.txt", "//a.txt", "/sub/..//a.txt"} {
			c.get("site", url)
			c.expectSite("a.txt")
		}
		c.get("site", "/sub/../sub/")
		c.expectSite("sub/index.html")
		t.Passed(1, 16, 0, 0)
	})
}

// Spec "Path": "anything that resolves outside the docroot is 404 (including
// through symlinks)". Issue acceptance: a symlink pointing outside the
// docroot never returns file contents from outside it. Links that stay
// inside still work.
func TestSymlinkEscape(t *testing.T) {
	onSite(t, "Test: symbolic links cannot leave the docroot", basicHosts(), func(t *labtest.T, s *site) {
		root := s.roots["site"]
		outside := filepath.Join(filepath.Dir(root), "outside")
		labtest.WriteFiles(t, outside, map[string]string{"secret.txt": secret, "index.html": secret})
		links := map[string]string{
			"abs-file.txt":        filepath.Join(outside, "secret.txt"),
			"rel-file.txt":        "../outside/secret.txt",
			"abs-dir":             outside,
			"rel-dir":             "../outside",
			"sub/deep.txt":        "../../outside/secret.txt",
			"inside-file.txt":     "a.txt",
			"inside-dir":          "sub",
			"sub/up-inside.txt":   "../b.txt",
			"loop.txt":            "loop.txt",
			"dangling.txt":        "does-not-exist",
			"sub/chain-out.txt":   "../rel-file.txt",
			"sub/chain-in.txt":    "../inside-file.txt",
			"dot-dot-inside.html": "sub/../index.html",
		}
		for name, target := range links {
			if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))); err != nil {
				t.Fatal(err)
			}
		}
		c := s.dial()
		defer c.close()
		for _, url := range []string{
			"/abs-file.txt", "/rel-file.txt", "/abs-dir/secret.txt", "/abs-dir/",
			"/rel-dir/secret.txt", "/rel-dir/", "/sub/deep.txt", "/loop.txt",
			"/dangling.txt", "/sub/chain-out.txt", "/inside-dir/../rel-dir/secret.txt",
		} {
			c.get("site", url)
			expectNoSecret(t, c, url)
		}
		inside := map[string]string{
			"/inside-file.txt":      "a.txt",
			"/inside-dir/":          "sub/index.html",
			"/inside-dir/page.json": "sub/page.json",
			"/sub/up-inside.txt":    "b.txt",
			"/sub/chain-in.txt":     "a.txt",
			"/dot-dot-inside.html":  "index.html",
		}
		for url, file := range inside {
			c.get("site", url)
			r := c.expectStatus(StatusOK)
			if string(r.body) != basicSite[file] {
				t.Errorf("GET %s: body %q, want %q", url, r.body, basicSite[file])
			}
		}
		t.Passed(1, 17, 0, 0)
	})
}

// Beyond the spec (not graded): only regular files are served. A FIFO in
// the docroot must not hang the connection in open(2) — a blocked open would
// also stall Shutdown — and is a 404 like a directory.
func TestSpecialFiles(t *testing.T) {
	onSite(t, "Test: FIFOs and other special files are 404", basicHosts(), func(t *labtest.T, s *site) {
		if err := syscall.Mkfifo(filepath.Join(s.roots["site"], "fifo.txt"), 0o644); err != nil {
			t.Skipf("cannot create a FIFO: %v", err)
		}
		c := s.dial()
		defer c.close()
		c.get("site", "/fifo.txt")
		c.expectStatus(StatusNotFound)
		c.get("site", "/a.txt")
		c.expectFile(filepath.Join(s.roots["site"], "a.txt"), basicSite["a.txt"])
		t.Passed(1, 2, 0, 0)
	})
}
