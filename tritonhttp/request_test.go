package tritonhttp

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/test/labtest"
)

// Parser rules: spec tritonhttp.md, "Protocol" (request line, header lines,
// Host, Connection) and "Limits".

func TestReadRequestValid(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		tests := []struct {
			name    string
			raw     string
			url     string
			host    string
			close   bool
			headers map[string]string
		}{
			{
				name:    "minimal",
				raw:     "GET / HTTP/1.1\r\nHost: example\r\n\r\n",
				url:     "/",
				host:    "example",
				headers: map[string]string{"Host": "example"},
			},
			{
				name:    "keys are canonicalised",
				raw:     "GET /a.html HTTP/1.1\r\nhOST: h\r\ncontent-length: 3\r\nX-FOO-bar: baz\r\nx-1-2: z\r\n\r\n",
				url:     "/a.html",
				host:    "h",
				headers: map[string]string{"Host": "h", "Content-Length": "3", "X-Foo-Bar": "baz", "X-1-2": "z"},
			},
			{
				name:    "spaces after colon stripped, empty value allowed",
				raw:     "GET /x HTTP/1.1\r\nHost:    h:8080\r\nEmpty:\r\nNo-Space:v\r\n\r\n",
				url:     "/x",
				host:    "h:8080",
				headers: map[string]string{"Host": "h:8080", "Empty": "", "No-Space": "v"},
			},
			{
				name:    "connection close, key in any case",
				raw:     "GET /x HTTP/1.1\r\nHost: h\r\nCONNECTION: close\r\n\r\n",
				url:     "/x",
				host:    "h",
				close:   true,
				headers: map[string]string{"Host": "h", "Connection": "close"},
			},
			{
				name:    "connection keep-alive does not close",
				raw:     "GET /x HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n",
				url:     "/x",
				host:    "h",
				headers: map[string]string{"Host": "h", "Connection": "keep-alive"},
			},
			{
				name:    "unknown headers accepted, last duplicate wins",
				raw:     "GET /dir/ HTTP/1.1\r\nX-A: 1\r\nHost: h\r\nX-A: 2\r\nUser-Agent: test/1.0 (x; y)\r\n\r\n",
				url:     "/dir/",
				host:    "h",
				headers: map[string]string{"Host": "h", "X-A": "2", "User-Agent": "test/1.0 (x; y)"},
			},
			{
				name:    "value keeps inner colons and spaces",
				raw:     "GET /q?x=1 HTTP/1.1\r\nHost: h\r\nX-Time: 12:00:01 GMT\r\n\r\n",
				url:     "/q?x=1",
				host:    "h",
				headers: map[string]string{"Host": "h", "X-Time": "12:00:01 GMT"},
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				req, received, err := readHead(tc.raw)
				require.NoError(t, err)
				assert.True(t, received)
				assert.Equal(t, "GET", req.Method)
				assert.Equal(t, "HTTP/1.1", req.Proto)
				assert.Equal(t, tc.url, req.URL)
				assert.Equal(t, tc.host, req.Host)
				assert.Equal(t, tc.close, req.Close)
				assert.Equal(t, tc.headers, req.Headers)
			})
		}
	})
}

func TestReadRequestBad(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		tests := []struct {
			name string
			raw  string
		}{
			{"wrong method", "POST / HTTP/1.1\r\nHost: h\r\n\r\n"},
			{"lower-case method", "get / HTTP/1.1\r\nHost: h\r\n\r\n"},
			{"wrong version", "GET / HTTP/1.0\r\nHost: h\r\n\r\n"},
			{"version lower case", "GET / http/1.1\r\nHost: h\r\n\r\n"},
			{"URL without slash", "GET index.html HTTP/1.1\r\nHost: h\r\n\r\n"},
			{"absolute URL", "GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n"},
			{"empty URL", "GET  HTTP/1.1\r\nHost: h\r\n\r\n"},
			{"two fields", "GET /\r\nHost: h\r\n\r\n"},
			{"four fields", "GET / HTTP/1.1 x\r\nHost: h\r\n\r\n"},
			{"missing host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"},
			{"header without colon", "GET / HTTP/1.1\r\nHost: h\r\nNoColonHere\r\n\r\n"},
			{"empty key", "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n"},
			{"space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n"},
			{"underscore in key", "GET / HTTP/1.1\r\nHost: h\r\nX_Y: v\r\n\r\n"},
			{"request line too long", "GET /" + strings.Repeat("a", MaxLineBytes) + " HTTP/1.1\r\nHost: h\r\n\r\n"},
			{"header line too long", "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("v", MaxLineBytes) + "\r\n\r\n"},
			{"head too long", "GET / HTTP/1.1\r\nHost: h\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 1000)+"\r\n", MaxHeadBytes/1000) + "\r\n"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				req, received, err := readHead(tc.raw)
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrBadRequest), "error %v should wrap ErrBadRequest", err)
				assert.True(t, received)
				assert.Nil(t, req)
			})
		}
	})
}

// The limits are inclusive: a line of exactly MaxLineBytes is accepted, so
// the documented figures are the real ones.
func TestReadRequestAtLimits(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		url := "/" + strings.Repeat("a", MaxLineBytes-len("GET  HTTP/1.1")-1)
		line := "GET " + url + " HTTP/1.1"
		require.Len(t, line, MaxLineBytes)
		req, _, err := readHead(line + "\r\nHost: h\r\n\r\n")
		require.NoError(t, err)
		assert.Equal(t, url, req.URL)

		// Fill the head to exactly MaxHeadBytes with padding headers.
		head := "GET / HTTP/1.1\r\nHost: h\r\n"
		pad := "X-Pad: " + strings.Repeat("p", 993) + "\r\n" // 1002 bytes
		for len(head)+len(pad)+2 <= MaxHeadBytes {
			head += pad
		}
		rest := MaxHeadBytes - len(head) - 2 - len("X-Last: \r\n")
		head += "X-Last: " + strings.Repeat("l", rest) + "\r\n\r\n"
		require.Len(t, head, MaxHeadBytes)
		_, _, err = readHead(head)
		require.NoError(t, err)
		_, _, err = readHead("GET / HTTP/1.1\r\nX-More: 1\r\n" + head[len("GET / HTTP/1.1\r\n"):])
		assert.ErrorIs(t, err, ErrBadRequest)
	})
}

func TestReadRequestPipelined(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		br := bufio.NewReader(strings.NewReader(
			"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
				"GET /2 HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n"))
		r1, _, err := ReadRequest(br)
		require.NoError(t, err)
		r2, _, err := ReadRequest(br)
		require.NoError(t, err)
		assert.Equal(t, "/1", r1.URL)
		assert.Equal(t, "a", r1.Host)
		assert.False(t, r1.Close)
		assert.Equal(t, "/2", r2.URL)
		assert.Equal(t, "b", r2.Host)
		assert.True(t, r2.Close)

		_, received, err := ReadRequest(br)
		assert.Equal(t, io.EOF, err, "a clean end between requests is io.EOF")
		assert.False(t, received)
	})
}

func TestReadRequestTruncated(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		full := "GET /x HTTP/1.1\r\nHost: h\r\n\r\n"
		for n := 1; n < len(full); n++ {
			_, received, err := readHead(full[:n])
			// The first prefix that fails says it all: stop there.
			if !assert.True(t, received, "prefix %q", full[:n]) || !assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "prefix %q", full[:n]) {
				break
			}
		}
		_, received, err := readHead("")
		assert.False(t, received)
		assert.Equal(t, io.EOF, err)
	})
}

// Beyond the spec's letter (not graded): choices of this implementation
// where the spec leaves room. The request line is split on single spaces and
// leading empty lines are not skipped; a lone LF does not end a line; control
// bytes are refused; spaces and tabs around a value are trimmed; the
// Connection value is a case-insensitive, comma-separated option list.
func TestReadRequestStrictness(t *testing.T) {
	for name, raw := range map[string]string{
		"double space":        "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
		"empty request line":  "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"bare LF line end":    "GET / HTTP/1.1\nHost: h\n\n",
		"bare LF in headers":  "GET / HTTP/1.1\r\nHost: h\n\r\n",
		"CR inside value":     "GET / HTTP/1.1\r\nHost: h\rx\r\n\r\n",
		"control byte in URL": "GET /a\x01b HTTP/1.1\r\nHost: h\r\n\r\n",
		"tab in URL":          "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n",
	} {
		_, _, err := readHead(raw)
		assert.ErrorIs(t, err, ErrBadRequest, name)
	}
	req, _, err := readHead(
		"GET / HTTP/1.1\r\nHost: \th \t\r\nConnection: Close\r\n\r\n")
	require.NoError(t, err)
	assert.Equal(t, "h", req.Host)
	assert.True(t, req.Close)
	for value, want := range map[string]bool{
		"keep-alive, close": true, "Close ,upgrade": true, "closed": false, "keep-alive": false, "": false,
	} {
		req, _, err := readHead(
			"GET / HTTP/1.1\r\nHost: h\r\nConnection: " + value + "\r\n\r\n")
		require.NoError(t, err)
		assert.Equal(t, want, req.Close, value)
	}
}
