package tritonhttp

import (
	"crypto/sha256"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// "Serves large files without reading them whole into memory": a file much
// larger than any buffer arrives complete and intact, and a second request
// on the same connection still works.
func TestLargeFile(t *testing.T) {
	onBigFile(t, "Test: large file", 6<<20+123, func(t *labtest.T, s *site, big []byte) {
		c := s.dial()
		defer c.close()
		c.send(getRequest("site", "/big.bin") + getRequest("site", "/a.txt"))
		r := c.expectStatus(StatusOK)
		if len(r.body) != len(big) || sha256.Sum256(r.body) != sha256.Sum256(big) {
			t.Fatalf("large file corrupted: got %d bytes, want %d", len(r.body), len(big))
		}
		checkFileHeaders(t, r, filepath.Join(s.roots["site"], "big.bin"))
		c.expectFile(filepath.Join(s.roots["site"], "a.txt"), "alpha")
		t.Passed(1, 2, int64(len(big)), 0)
	})
}

// Spec "Limits": a request line or header block above the documented size
// is a 400, not unbounded memory; the limits themselves are accepted.
func TestOversizedHeaders(t *testing.T) {
	onSite(t, "Test: oversized request line and headers", basicHosts(), func(t *labtest.T, s *site) {

		// Exactly at the limits: served.
		c := s.dial()
		url := "/a.txt?" + strings.Repeat("q", MaxLineBytes-len("GET /a.txt? HTTP/1.1"))
		c.get("site", url, "X-Big: "+strings.Repeat("v", MaxLineBytes-len("X-Big: ")))
		c.expectSite("a.txt")
		c.close()

		oversized := map[string]string{
			"request line": "GET /" + strings.Repeat("a", MaxLineBytes) + " HTTP/1.1\r\nHost: site\r\n\r\n",
			"header line":  getRequest("site", "/a.txt", "X-Big: "+strings.Repeat("v", MaxLineBytes)),
			"header block": getRequest("site", "/a.txt", strings.Split(strings.Repeat("X-Pad: "+strings.Repeat("p", 4000)+"\n", MaxHeadBytes/4000+1), "\n")...),
			// A line that never ends must be cut at the limit, not buffered.
			"endless line": "GET /" + strings.Repeat("a", 4*MaxHeadBytes),
			"endless head": "GET /a.txt HTTP/1.1\r\nHost: site\r\n" + strings.Repeat("X-Pad: 1\r\n", MaxHeadBytes/5),
		}
		for name, raw := range oversized {
			c := s.dial()
			// The server may close before reading everything: send in the
			// background and ignore the write error that causes.
			var wg sync.WaitGroup
			start := time.Now()
			wg.Go(func() { _, _ = io.WriteString(c.c, raw) })
			r := c.read()
			if r.status != StatusBadRequest {
				t.Errorf("%s: status %d, want 400", name, r.status)
			}
			// At once, when the limit is crossed, not when the timeout
			// finally cuts an endless request.
			if el := r.at.Sub(start); el >= time.Second {
				t.Errorf("%s: 400 came after %v, want it as soon as the limit is crossed", name, el)
			}
			c.close()
			wg.Wait()
		}
		t.Passed(1, 6, 0, 0)
	})
}

// Issue acceptance: 1000 concurrent idle connections do not stop a new
// client from being served (one slow client never blocks others). In
// virtual time the new client must be answered immediately, long before
// any idle connection times out.
func TestManyIdleConnections(t *testing.T) {
	onSite(t, "Test: 1000 idle connections do not block a new client", basicHosts(), func(t *labtest.T, s *site) {
		idle := make([]*client, 1000)
		for i := range idle {
			idle[i] = s.dial()
			if i%2 == 1 {
				idle[i].send("GET /a.txt HTTP/1.1\r\n") // half of them mid-request
			}
		}
		start := time.Now()
		c := s.dial()
		defer c.close()
		c.get("site", "/a.txt")
		r := c.expectFile(filepath.Join(s.roots["site"], "a.txt"), basicSite["a.txt"])
		if el := r.at.Sub(start); el > 100*time.Millisecond {
			t.Errorf("new client served after %v with 1000 idle connections open", el)
		}
		for _, ic := range idle {
			ic.close()
		}
		t.Passed(1, 1, 0, 0)
	})
}
