package tritonhttp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Size limits of a request head. They bound the memory one connection can make
// the server hold, whatever the client sends.
const (
	// MaxLineBytes is the longest request line or header line accepted,
	// not counting its CRLF. A longer line is a 400.
	MaxLineBytes = 8 << 10
	// MaxHeadBytes is the longest request head accepted: request line, header
	// lines and the final empty line, CRLFs included. A longer head is a 400.
	MaxHeadBytes = 64 << 10
)

// ErrBadRequest is wrapped by every error ReadRequest returns for a malformed
// request; the server answers those with 400. Test with errors.Is.
var ErrBadRequest = errors.New("tritonhttp: bad request")

//solution:begin

// MaxHeaderLines is the most header lines a request head may hold (Host
// included); one more is a 400. MaxHeadBytes alone would let a head of
// thousands of distinct empty fields make the server hold about eight times
// its size in header map, for every connection; 100 is the default of
// Apache httpd's LimitRequestFields, far more than clients send.
const MaxHeaderLines = 100

// MaxBodyBytes is the largest request body the server reads (and discards):
// a GET's content has no meaning here (RFC 9110 §9.3.1), but a client may
// send one, declared by Content-Length, and the bytes must be consumed so
// that they are never taken for the next request. A larger Content-Length
// is refused with 413 and the connection closes.
const MaxBodyBytes = 64 << 10

// ErrNotImplemented is wrapped, together with ErrBadRequest, by the error
// ReadRequest returns for a request whose body is sent with the chunked
// transfer coding: the framing is valid, but this GET-only server does not
// decode it, and answers 501 (RFC 9112 §6.1).
var ErrNotImplemented = errors.New("tritonhttp: not implemented")

//solution:end

// Request is one parsed TritonHTTP request.
type Request struct {
	// Method is always "GET" in a request ReadRequest accepts.
	Method string
	// URL is the request target exactly as sent; it starts with "/".
	URL string
	// Proto is always "HTTP/1.1" in a request ReadRequest accepts.
	Proto string
	// Headers holds every header line, keyed by canonical key
	// ("content-length" is stored as "Content-Length"). When a key repeats,
	// the last value wins.
	Headers map[string]string
	// Host is the Host header's value (required, so never missing).
	Host string
	// Close reports whether the client sent "Connection: close".
	Close bool
}

// ReadRequest reads one request head from br. It does not read a body the
// request may declare: that is left in br for the caller.
//
// bytesReceived reports whether any byte of the request was consumed; the
// server uses it to tell an idle connection (close silently) from a partial
// request (answer 400) when a read fails. The error wraps ErrBadRequest for a
// malformed or oversized request; otherwise it is the read error (io.EOF only
// when nothing was read, io.ErrUnexpectedEOF when the stream ended mid-request,
// or a timeout).
func ReadRequest(br *bufio.Reader) (req *Request, bytesReceived bool, err error) {
	p := parser{br: br}
	req = &Request{}
	bytesReceived, err = p.read(req)
	if err != nil {
		return nil, bytesReceived, err
	}
	return req, true, nil
}

// parser reads request heads off one connection. It is reused across the
// requests of a connection so the scratch buffer for long lines and the
// header map are allocated once.
type parser struct {
	br *bufio.Reader
	//solution:begin
	// n counts the bytes of the current request consumed so far.
	n int
	// long accumulates a line that does not fit in br's buffer.
	long []byte
	// framing is what the current request's head says about its body.
	framing framing
	//solution:end
}

//solution:begin

// badRequest builds an error wrapping ErrBadRequest.
func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
}

//solution:end

// read parses the next request into req, reusing req.Headers.
func (p *parser) read(req *Request) (bytesReceived bool, err error) {
	//solution:begin
	p.n = 0
	p.framing = framing{}
	if req.Headers == nil {
		req.Headers = make(map[string]string, 8)
	} else {
		clear(req.Headers)
	}
	req.Host, req.Close = "", false

	line, err := p.line()
	if err != nil {
		return p.n > 0, err
	}
	if err := parseRequestLine(line, req); err != nil {
		return true, err
	}
	for lines := 0; ; lines++ {
		line, err := p.line()
		if err != nil {
			return true, err
		}
		if len(line) == 0 {
			break
		}
		if lines == MaxHeaderLines {
			return true, badRequest("more than %d header lines", MaxHeaderLines)
		}
		key, value, err := parseHeaderLine(line)
		if err != nil {
			return true, err
		}
		// RFC 9112 §3.2: a request with more than one Host field line must
		// be rejected, as the two could name different hosts to different
		// parsers on the way.
		if _, dup := req.Headers[key]; dup && key == "Host" {
			return true, badRequest("more than one Host header")
		}
		if err := p.framing.add(key, value); err != nil {
			return true, err
		}
		req.Headers[key] = value
	}
	host, ok := req.Headers["Host"]
	if !ok {
		return true, badRequest("missing Host header")
	}
	if err := p.framing.check(); err != nil {
		return true, err
	}
	req.Host = host
	req.Close = hasCloseToken(req.Headers["Connection"])
	return true, nil
	//solution:stub
	// // Your code here: the request line, the header lines up to the empty
	// // line, the Host header, within MaxLineBytes and MaxHeadBytes.
	// return false, errors.New("tritonhttp: request parsing not implemented")
	//solution:end
}

//solution:begin

// line returns the next line without its CRLF. The slice is only valid until
// the next read from p.br.
func (p *parser) line() ([]byte, error) {
	frag, err := p.br.ReadSlice('\n')
	p.n += len(frag)
	if err == nil {
		if len(frag) > MaxLineBytes+2 {
			return nil, badRequest("line longer than %d bytes", MaxLineBytes)
		}
		if p.n > MaxHeadBytes {
			return nil, badRequest("request head longer than %d bytes", MaxHeadBytes)
		}
		return trimCRLF(frag)
	}
	if err != bufio.ErrBufferFull {
		return nil, p.readErr(err)
	}
	// The line is longer than br's buffer: collect it, but never beyond the
	// limits, so a client cannot make us buffer an endless line.
	p.long = append(p.long[:0], frag...)
	for {
		if len(p.long) > MaxLineBytes+2 {
			return nil, badRequest("line longer than %d bytes", MaxLineBytes)
		}
		if p.n > MaxHeadBytes {
			return nil, badRequest("request head longer than %d bytes", MaxHeadBytes)
		}
		frag, err = p.br.ReadSlice('\n')
		p.n += len(frag)
		p.long = append(p.long, frag...)
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return nil, p.readErr(err)
		}
	}
	if len(p.long) > MaxLineBytes+2 {
		return nil, badRequest("line longer than %d bytes", MaxLineBytes)
	}
	if p.n > MaxHeadBytes {
		return nil, badRequest("request head longer than %d bytes", MaxHeadBytes)
	}
	return trimCRLF(p.long)
}

// hasCloseToken reports whether a Connection header value lists "close"
// (any case); the header may carry several comma-separated options.
func hasCloseToken(v string) bool {
	for v != "" {
		var tok string
		tok, v, _ = strings.Cut(v, ",")
		if strings.EqualFold(strings.TrimSpace(tok), "close") {
			return true
		}
	}
	return false
}

// readErr turns an EOF in the middle of a request into io.ErrUnexpectedEOF,
// so that plain io.EOF always means "the client closed between requests".
func (p *parser) readErr(err error) error {
	if err == io.EOF && p.n > 0 {
		return io.ErrUnexpectedEOF
	}
	return err
}

// trimCRLF strips the CRLF that must end every line.
func trimCRLF(line []byte) ([]byte, error) {
	n := len(line)
	if n < 2 || line[n-2] != '\r' {
		return nil, badRequest("line not terminated by CRLF")
	}
	return line[:n-2], nil
}

// hasCTL reports whether b holds a control byte other than horizontal tab;
// such bytes (a stray CR above all) are never valid in a request head.
func hasCTL(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

// parseRequestLine checks "GET <URL> HTTP/1.1" and fills req.
func parseRequestLine(line []byte, req *Request) error {
	method, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return badRequest("malformed request line %q", line)
	}
	url, proto, ok := bytes.Cut(rest, []byte{' '})
	if !ok || bytes.IndexByte(proto, ' ') >= 0 {
		return badRequest("malformed request line %q", line)
	}
	if string(method) != "GET" {
		return badRequest("unsupported method %q", method)
	}
	if string(proto) != "HTTP/1.1" {
		return badRequest("unsupported version %q", proto)
	}
	if len(url) == 0 || url[0] != '/' || hasCTL(url) || bytes.IndexByte(url, '\t') >= 0 {
		return badRequest("invalid URL %q", url)
	}
	req.Method = "GET"
	req.Proto = "HTTP/1.1"
	req.URL = string(url)
	return nil
}

// parseHeaderLine splits "Key: value" into the canonical key and the value
// with surrounding spaces and tabs removed.
func parseHeaderLine(line []byte) (key, value string, err error) {
	k, v, ok := bytes.Cut(line, []byte{':'})
	if !ok {
		return "", "", badRequest("header line without colon %q", line)
	}
	if len(k) == 0 {
		return "", "", badRequest("empty header key in %q", line)
	}
	for _, c := range k {
		if !isKeyByte(c) {
			return "", "", badRequest("invalid header key %q", k)
		}
	}
	v = bytes.Trim(v, " \t")
	if hasCTL(v) {
		return "", "", badRequest("control byte in header value of %q", k)
	}
	return canonicalKey(k), string(v), nil
}

// isKeyByte reports whether c may appear in a header key: [A-Za-z0-9-].
func isKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-'
}

// commonKeys interns the canonical keys browsers and tools send on almost
// every request, so canonicalKey does not allocate for them.
var commonKeys = func() map[string]string {
	m := make(map[string]string)
	for _, k := range []string{
		"Accept", "Accept-Encoding", "Accept-Language", "Cache-Control",
		"Connection", "Cookie", "Host", "If-Modified-Since", "If-None-Match",
		"Pragma", "Referer", "Upgrade-Insecure-Requests", "User-Agent",
	} {
		m[k] = k
	}
	return m
}()

// canonicalKey returns the canonical form of a valid header key: the first
// letter and every letter after a '-' upper case, all other letters lower case.
func canonicalKey(k []byte) string {
	var stack [64]byte
	var b []byte
	if len(k) <= len(stack) {
		b = stack[:len(k)]
	} else {
		b = make([]byte, len(k))
	}
	upper := true
	for i, c := range k {
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b[i] = c
		upper = c == '-'
	}
	if s, ok := commonKeys[string(b)]; ok {
		return s
	}
	return string(b)
}

// framing collects the header fields that delimit a request's body (RFC 9112
// §6). The course's TritonHTTP has no request bodies, but a client may still
// send one, and a server that ignored these fields would read the body as
// the next request: a client could then hide a request from anything that
// inspected the first one (request smuggling, RFC 9112 §11.2). So the
// server either knows exactly where the body ends, and skips it, or refuses
// the request and closes the connection.
type framing struct {
	// length is the body length a Content-Length declared; haveLength
	// tells "Content-Length: 0" from no Content-Length.
	length     int64
	haveLength bool
	// coded is set by any Transfer-Encoding field; chunked reports whether
	// the last coding listed (the final one applied) is chunked.
	coded, chunked bool
}

// add records one header field; it refuses a Content-Length that is not a
// valid length, or that differs from one already seen.
func (f *framing) add(key, value string) error {
	switch key {
	case "Content-Length":
		n, err := parseContentLength(value)
		if err != nil {
			return err
		}
		// RFC 9112 §6.3: several Content-Length fields (or one with a
		// list) are only acceptable when they all say the same.
		if f.haveLength && n != f.length {
			return badRequest("conflicting Content-Length values %d and %d", f.length, n)
		}
		f.length, f.haveLength = n, true
	case "Transfer-Encoding":
		// Several fields form one list, in the order the codings were
		// applied: what counts is the last coding of the last field.
		f.coded = true
		f.chunked = strings.EqualFold(lastListElement(value), "chunked")
	}
	return nil
}

// check applies RFC 9112 §6.1 and §6.3 to a whole head. Any Transfer-Encoding
// ends the connection: with a Content-Length as well, the two could frame the
// body differently for another parser on the way, so the request is refused
// (§6.1 allows refusing it and requires the close); without chunked as the
// final coding the body's end cannot be found at all (§6.3: 400 and close);
// a chunked body is well framed, but this server does not decode it, so it
// answers 501 (§6.1), and closes, since it cannot skip the body either.
func (f *framing) check() error {
	switch {
	case !f.coded:
		return nil
	case f.haveLength:
		return badRequest("both Transfer-Encoding and Content-Length")
	case !f.chunked:
		return badRequest("Transfer-Encoding without chunked as the final coding")
	}
	return fmt.Errorf("%w: %w: chunked request body", ErrNotImplemented, ErrBadRequest)
}

// parseContentLength parses a Content-Length value: 1*DIGIT, or a
// comma-separated list of such values that are all equal (RFC 9112 §6.3
// accepts "42, 42" as 42; empty list elements do not count, RFC 9110
// §5.6.1.2). Signs, spaces inside a number, a list without a value and
// values beyond int64 are refused: a length two parsers could read
// differently is worse than none.
func parseContentLength(v string) (int64, error) {
	var n int64 = -1
	for rest, more := v, true; more; {
		var elem string
		elem, rest, more = strings.Cut(rest, ",")
		elem = strings.Trim(elem, " \t")
		if elem == "" {
			continue
		}
		var m int64
		for i := 0; i < len(elem); i++ {
			c := elem[i]
			if c < '0' || c > '9' {
				return 0, badRequest("invalid Content-Length %q", v)
			}
			if m > (math.MaxInt64-int64(c-'0'))/10 {
				return 0, badRequest("Content-Length %q overflows", v)
			}
			m = m*10 + int64(c-'0')
		}
		if n >= 0 && m != n {
			return 0, badRequest("conflicting Content-Length values in %q", v)
		}
		n = m
	}
	if n < 0 {
		return 0, badRequest("Content-Length %q holds no value", v)
	}
	return n, nil
}

// lastListElement returns the last non-empty element of a comma-separated
// header value (RFC 9110 §5.6.1: empty elements do not count), without its
// spaces and parameters ("chunked;x=1" is "chunked").
func lastListElement(v string) string {
	for v != "" {
		i := strings.LastIndexByte(v, ',')
		elem := v[i+1:]
		if j := strings.IndexByte(elem, ';'); j >= 0 {
			elem = elem[:j]
		}
		if elem = strings.Trim(elem, " \t"); elem != "" {
			return elem
		}
		if i < 0 {
			break
		}
		v = v[:i]
	}
	return ""
}

//solution:end
