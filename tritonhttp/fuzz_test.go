package tritonhttp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"sort"
	"strings"
	"testing"

	"distlabs/test/labtest"
)

// FuzzReadRequest feeds arbitrary bytes to the parser. It must never panic,
// never consume more than the head limit, and every request it accepts must
// satisfy the spec's invariants and survive a round trip: writing the parsed
// request back in canonical form and parsing it again gives the same result.
// Run: go test ./tritonhttp -run '^$' -fuzz FuzzReadRequest -fuzztime 60s
func FuzzReadRequest(f *testing.F) {
	for _, seed := range readRequestSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(checkReadRequest)
}

// TestReadRequestCorpus is the graded form of FuzzReadRequest: the same
// checks on its seed corpus, through the harness (a fuzz target cannot be).
func TestReadRequestCorpus(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		for _, seed := range readRequestSeeds {
			checkReadRequest(t.T, []byte(seed))
		}
	})
}

// readRequestSeeds is the fuzz target's seed corpus.
var readRequestSeeds = []string{
	"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
	"GET /a/b.html HTTP/1.1\r\nhost: h:80\r\nConnection: close\r\nX-A:b\r\n\r\n",
	"GET /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\n",
	"GET /x HTTP/1.1\r\nHost:\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: h\r\n\r\n",
	"GET / HTTP/1.0\r\nHost: h\r\n\r\n",
	"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
	"GET / HTTP/1.1\nHost: h\n\n",
	"GET / HTTP/1.1\r\nHost: h\r\n",
	"GET /../../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n",
	"\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("v", 5000) + "\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: \th \t\r\nA-B-C: \r\n\r\n",
	"",
}

// checkReadRequest is the fuzz target's property check of one input.
func checkReadRequest(t *testing.T, data []byte) {
	cr := &countingReader{r: bytes.NewReader(data)}
	br := bufio.NewReader(cr)
	req, received, err := ReadRequest(br)
	// An accepted head is within the limit; a rejected one may have
	// been read at most one buffer past it before the parser noticed.
	consumed := cr.n - br.Buffered()
	if limit := MaxHeadBytes + br.Size(); consumed > limit || err == nil && consumed > MaxHeadBytes {
		t.Fatalf("parser consumed %d bytes (error %v), over the %d-byte limit", consumed, err, MaxHeadBytes)
	}
	if err != nil {
		if req != nil {
			t.Fatalf("request %+v returned with error %v", req, err)
		}
		if !received && len(data) > 0 {
			t.Fatalf("error %v with bytesReceived false after %d bytes of input", err, len(data))
		}
		if !errors.Is(err, ErrBadRequest) && !errors.Is(err, io.ErrUnexpectedEOF) && err != io.EOF {
			t.Fatalf("unexpected error kind: %v", err)
		}
		return
	}
	if req.Method != "GET" || req.Proto != "HTTP/1.1" || !strings.HasPrefix(req.URL, "/") {
		t.Fatalf("accepted invalid request line: %+v", req)
	}
	if host, ok := req.Headers["Host"]; !ok || host != req.Host {
		t.Fatalf("Host %q not consistent with headers %v", req.Host, req.Headers)
	}
	for k, v := range req.Headers {
		if !isCanonical(k) {
			t.Fatalf("key %q is not canonical", k)
		}
		// The spec strips spaces after the colon; what happens to
		// trailing spaces and tabs it leaves open.
		if strings.ContainsAny(v, "\r\n") || strings.HasPrefix(v, " ") {
			t.Fatalf("value %q of %q not trimmed", v, k)
		}
	}
	// Round trip.
	var b strings.Builder
	b.WriteString("GET " + req.URL + " HTTP/1.1\r\n")
	keys := make([]string, 0, len(req.Headers))
	for k := range req.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(k + ": " + req.Headers[k] + "\r\n")
	}
	b.WriteString("\r\n")
	again, _, err := readHead(b.String())
	if err != nil {
		// Re-serialising may only grow the head by the ": " separators.
		if !errors.Is(err, ErrBadRequest) || len(b.String()) <= MaxHeadBytes {
			t.Fatalf("round trip of %q failed: %v", b.String(), err)
		}
		return
	}
	if again.URL != req.URL || again.Host != req.Host || again.Close != req.Close || len(again.Headers) != len(req.Headers) {
		t.Fatalf("round trip changed the request: %+v -> %+v", req, again)
	}
	for k, v := range req.Headers {
		if again.Headers[k] != v {
			t.Fatalf("round trip changed %s: %q -> %q", k, v, again.Headers[k])
		}
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// isCanonical reports whether k is a valid key in canonical form: letters
// upper case at the start and after '-', lower case elsewhere.
func isCanonical(k string) bool {
	if k == "" {
		return false
	}
	upper := true
	for _, c := range []byte(k) {
		switch {
		case 'a' <= c && c <= 'z':
			if upper {
				return false
			}
		case 'A' <= c && c <= 'Z':
			if !upper {
				return false
			}
		case '0' <= c && c <= '9', c == '-':
		default:
			return false
		}
		upper = c == '-'
	}
	return true
}
