//solution:file

package tritonhttp

import (
	"bufio"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// Request framing (RFC 9112 §6, "Hardening, second round"): the course spec
// has no request bodies, so a server written to it reads the body a client
// declares anyway as the next request, and a client can smuggle a request
// past whatever inspected the first one. These tests are reference-only: a
// server the course accepts fails them, as the spec never mentions
// Content-Length or Transfer-Encoding in requests.

// smuggled is a whole request hidden in another request's body; the server
// must never answer it.
var smuggled = getRequest("site", "/secret.html")

// framingHosts is basicSite plus the file the smuggled request asks for.
func framingHosts() map[string]map[string]string {
	files := map[string]string{"secret.html": "SMUGGLED-ANSWER"}
	for k, v := range basicSite {
		files[k] = v
	}
	return map[string]map[string]string{"site": files}
}

// withBody builds a GET for url carrying the given framing headers and body.
func withBody(url, body string, headers ...string) string {
	return getRequest("site", url, headers...) + body
}

// expectRefused reads a response with the given status and checks that it
// says "Connection: close", has no body, and that the connection closes at
// once with nothing more: in particular, no answer to a request hidden
// behind it.
func (c *client) expectRefused(status int) {
	c.t.Helper()
	r := c.expectStatus(status)
	if len(r.body) != 0 {
		c.t.Errorf("%d followed by %q before the close", status, r.body)
	}
	checkDate(c.t, r)
	if el := c.expectClosing(r).Sub(r.at); el > 100*time.Millisecond {
		c.t.Errorf("connection closed %v after the %d, want at once", el, status)
	}
}

// A body declared by a valid Content-Length is read and discarded: the
// request is answered, the bytes of the body are never taken for a request,
// and the requests pipelined behind the body are answered in order.
func TestRequestBodyDiscarded(t *testing.T) {
	onSite(t, "Test: a GET's body is discarded, never parsed as a request", framingHosts(), func(t *labtest.T, s *site) {
		root := s.roots["site"]
		a, b := filepath.Join(root, "a.txt"), filepath.Join(root, "b.txt")
		cl := "Content-Length: " + strconv.Itoa(len(smuggled))

		cases := []struct{ name, raw string }{
			// The probe of the issue: a request hidden in the body.
			{"smuggled request", withBody("/a.txt", smuggled, cl)},
			{"zero length", withBody("/a.txt", "", "Content-Length: 0")},
			{"leading zeros", withBody("/a.txt", "xyz", "Content-Length: 003")},
			// RFC 9112 §6.3: a list of one value repeated is that value.
			{"repeated value", withBody("/a.txt", smuggled, cl, cl)},
			{"repeated list", withBody("/a.txt", smuggled, "Content-Length: "+strconv.Itoa(len(smuggled))+" , "+strconv.Itoa(len(smuggled)))},
			// RFC 9110 §5.6.1.2: empty list elements do not count.
			{"empty list elements", withBody("/a.txt", smuggled, "Content-Length: ,"+strconv.Itoa(len(smuggled))+", ")},
			{"key in any case", withBody("/a.txt", smuggled, "CONTENT-length:"+strconv.Itoa(len(smuggled)))},
			{"body of CRLFs", withBody("/a.txt", "\r\n\r\n", "Content-Length: 4")},
			{"at the limit", withBody("/a.txt", strings.Repeat(smuggled, MaxBodyBytes/len(smuggled))+strings.Repeat("x", MaxBodyBytes%len(smuggled)), "Content-Length: "+strconv.Itoa(MaxBodyBytes))},
		}
		for _, tc := range cases {
			name := tc.name
			c := s.dial()
			c.send(tc.raw + getRequest("site", "/b.txt"))
			c.expectFile(a, basicSite["a.txt"])
			r, err := c.tryRead()
			if err != nil {
				t.Fatalf("%s: no answer to the request after the body: %v", name, err)
			}
			if strings.Contains(string(r.body), "SMUGGLED") {
				t.Fatalf("%s: the body was parsed as a request and answered: %q", name, r.body)
			}
			if r.status != StatusOK || string(r.body) != basicSite["b.txt"] {
				t.Fatalf("%s: second response %d %q, want b.txt", name, r.status, r.body)
			}
			checkFileHeaders(t, r, b)
			c.close()
		}

		// The body may arrive in pieces after the head, as long as the
		// whole request arrives within the timeout.
		c := s.dial()
		defer c.close()
		c.send(getRequest("site", "/a.txt", cl) + smuggled[:10])
		time.Sleep(2 * time.Second)
		c.send(smuggled[10:])
		time.Sleep(2 * time.Second)
		c.send(getRequest("site", "/b.txt"))
		c.expectFile(a, basicSite["a.txt"])
		c.expectFile(b, basicSite["b.txt"])
		t.Passed(1, 2*len(cases)+2, 0, 0)
	})
}

// A body that does not arrive whole within the timeout leaves a partial
// request: 400 and close at the timeout (RFC 9112 §6.3: a body cut short is
// an incomplete message). A body cut by EOF is a partial request as well.
func TestRequestBodyTimeout(t *testing.T) {
	onSite(t, "Test: a body that never completes is a partial request", framingHosts(), func(t *labtest.T, s *site) {
		c := s.dial()
		defer c.close()
		start := time.Now()
		c.send(getRequest("site", "/a.txt", "Content-Length: 100") + smuggled)
		c.expectNothingFor(4900 * time.Millisecond)
		r := c.expectStatus(StatusBadRequest)
		if el := r.at.Sub(start); el < DefaultTimeout || el > DefaultTimeout+100*time.Millisecond {
			t.Errorf("incomplete body answered after %v, want 400 at %v", el, DefaultTimeout)
		}
		c.expectClosing(r)
		t.Passed(1, 1, 0, 0)
	})
}

// A Content-Length over MaxBodyBytes is refused with 413 and a close, before
// any of the body is read.
func TestRequestBodyTooLarge(t *testing.T) {
	onSite(t, "Test: a body over MaxBodyBytes is a 413", framingHosts(), func(t *labtest.T, s *site) {
		for _, n := range []int64{MaxBodyBytes + 1, 1 << 40, 1<<63 - 1} {
			c := s.dial()
			c.send(withBody("/a.txt", smuggled, "Content-Length: "+strconv.FormatInt(n, 10)))
			c.expectRefused(StatusContentTooLarge)
			c.close()
		}
		t.Passed(1, 3, 0, 0)
	})
}

// Framing the server cannot trust or does not implement is refused, and the
// connection closes, so that no byte after the head is ever taken for a
// request: an invalid or conflicting Content-Length is a 400 (RFC 9112
// §6.3); a Transfer-Encoding whose final coding is not chunked, or one sent
// together with a Content-Length, is a 400 (§6.3, §6.1); a chunked body,
// which this GET-only server does not implement, is a 501 (§6.1).
func TestRequestFramingRefused(t *testing.T) {
	onSite(t, "Test: invalid or unsupported framing is refused and closes", framingHosts(), func(t *labtest.T, s *site) {
		n := strconv.Itoa(len(smuggled))
		cases := []struct {
			name    string
			status  int
			headers []string
			body    string
		}{
			{"conflicting lengths", StatusBadRequest, []string{"Content-Length: " + n, "Content-Length: 0"}, smuggled},
			{"conflicting lengths, zero first", StatusBadRequest, []string{"Content-Length: 0", "Content-Length: " + n}, smuggled},
			{"conflicting list", StatusBadRequest, []string{"Content-Length: 0, " + n}, smuggled},
			{"empty", StatusBadRequest, []string{"Content-Length:"}, smuggled},
			{"only empty elements", StatusBadRequest, []string{"Content-Length: , ,"}, smuggled},
			{"not a number", StatusBadRequest, []string{"Content-Length: abc"}, smuggled},
			{"negative", StatusBadRequest, []string{"Content-Length: -1"}, smuggled},
			{"plus sign", StatusBadRequest, []string{"Content-Length: +" + n}, smuggled},
			{"hex", StatusBadRequest, []string{"Content-Length: 0x10"}, smuggled},
			{"inner space", StatusBadRequest, []string{"Content-Length: 1 0"}, smuggled},
			{"overflow", StatusBadRequest, []string{"Content-Length: 9223372036854775808"}, smuggled},
			{"huge overflow", StatusBadRequest, []string{"Content-Length: " + strings.Repeat("9", 40)}, smuggled},
			{"chunked", StatusNotImplemented, []string{"Transfer-Encoding: chunked"}, "0\r\n\r\n" + smuggled},
			{"chunked, any case", StatusNotImplemented, []string{"transfer-encoding: Chunked"}, "0\r\n\r\n" + smuggled},
			{"gzip then chunked", StatusNotImplemented, []string{"Transfer-Encoding: gzip, chunked"}, "0\r\n\r\n" + smuggled},
			{"chunked on two lines", StatusNotImplemented, []string{"Transfer-Encoding: gzip", "Transfer-Encoding: chunked"}, "0\r\n\r\n" + smuggled},
			{"chunked not final", StatusBadRequest, []string{"Transfer-Encoding: chunked, gzip"}, smuggled},
			{"gzip", StatusBadRequest, []string{"Transfer-Encoding: gzip"}, smuggled},
			{"identity", StatusBadRequest, []string{"Transfer-Encoding: identity"}, smuggled},
			{"empty coding", StatusBadRequest, []string{"Transfer-Encoding:"}, smuggled},
			{"chunked and length", StatusBadRequest, []string{"Transfer-Encoding: chunked", "Content-Length: " + n}, smuggled},
			{"length and chunked", StatusBadRequest, []string{"Content-Length: 5", "Transfer-Encoding: chunked"}, "0\r\n\r\n" + smuggled},
		}
		for _, tc := range cases {
			c := s.dial()
			c.send(withBody("/a.txt", tc.body, tc.headers...) + getRequest("site", "/b.txt"))
			c.expectRefused(tc.status)
			c.close()
			if t.Failed() {
				t.Fatalf("case %q: %q", tc.name, tc.headers)
			}
		}
		t.Passed(1, len(cases), 0, 0)
	})
}

// ReadRequest applies the same framing rules: it returns the head of a
// request with a valid Content-Length (the body stays unread for the caller)
// and refuses the rest with errors wrapping ErrBadRequest; the chunked coding
// also wraps ErrNotImplemented, so the server can answer 501.
func TestReadRequestFraming(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		head := "GET / HTTP/1.1\r\nHost: h\r\n"
		for _, ok := range []string{"Content-Length: 3\r\n", "Content-Length: 3\r\nContent-Length: 3\r\n", "Content-Length: 3,3\r\n", ""} {
			br := bufio.NewReader(strings.NewReader(head + ok + "\r\nabc"))
			req, _, err := ReadRequest(br)
			if err != nil || req == nil {
				t.Fatalf("%q: %v", ok, err)
			}
			if ok != "" && req.Headers["Content-Length"] == "" {
				t.Errorf("%q: Content-Length missing from the headers", ok)
			}
			if rest, _ := io.ReadAll(br); string(rest) != "abc" {
				t.Errorf("%q: ReadRequest consumed the body: %q left", ok, rest)
			}
		}
		for bad, notImpl := range map[string]bool{
			"Content-Length: 3\r\nContent-Length: 4\r\n":          false,
			"Content-Length: x\r\n":                               false,
			"Transfer-Encoding: gzip\r\n":                         false,
			"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n": false,
			"Transfer-Encoding: chunked\r\n":                      true,
		} {
			req, _, err := readHead(head + bad + "\r\n")
			if req != nil || !errors.Is(err, ErrBadRequest) {
				t.Errorf("%q: got %v, %v; want an error wrapping ErrBadRequest", bad, req, err)
			}
			if got := errors.Is(err, ErrNotImplemented); got != notImpl {
				t.Errorf("%q: errors.Is(err, ErrNotImplemented) = %v, want %v", bad, got, notImpl)
			}
		}
	})
}
