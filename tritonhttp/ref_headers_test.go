//solution:file

package tritonhttp

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// manyHeaders returns a request head with n header lines (Host included),
// each a distinct field with an empty value: the costliest head in memory
// for its size.
func manyHeaders(n int) string {
	var b strings.Builder
	b.WriteString("GET /a.txt HTTP/1.1\r\nHost: site\r\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "X-%05d:\r\n", i)
	}
	b.WriteString("\r\n")
	return b.String()
}

// A request head holds at most MaxHeaderLines header lines: a 64 KiB head of
// thousands of distinct empty fields made the server hold over 500 KiB of
// header map per connection (hostile -scenario heads), eight times the head
// limit. Reference-only: the course spec bounds the head in bytes only.
func TestHeaderLinesLimit(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: at most MaxHeaderLines header lines")
		for n, ok := range map[int]bool{MaxHeaderLines: true, MaxHeaderLines + 1: false, 6000: false} {
			req, _, err := readHead(manyHeaders(n))
			if ok && (err != nil || len(req.Headers) != n) {
				t.Errorf("%d header lines: %v, want the request", n, err)
			}
			if !ok && !errors.Is(err, ErrBadRequest) {
				t.Errorf("%d header lines: %v, want an error wrapping ErrBadRequest", n, err)
			}
		}

		s := startSite(t, basicHosts())
		defer s.stop()
		c := s.dial()
		defer c.close()
		c.send(manyHeaders(MaxHeaderLines))
		c.expectFile(filepath.Join(s.roots["site"], "a.txt"), basicSite["a.txt"])
		// Past the limit, the 400 comes at once, before the head ends.
		start := time.Now()
		c.send(strings.TrimSuffix(manyHeaders(MaxHeaderLines+1), "\r\n"))
		c.expectBadRequest()
		if el := time.Since(start); el > 100*time.Millisecond {
			t.Errorf("400 after %v, want as soon as the limit is crossed", el)
		}
		t.Passed(1, 2, 0, 0)
	})
}
