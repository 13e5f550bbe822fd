// Package tritonhttp implements TritonHTTP, a strict subset of HTTP/1.1 served
// on any byte stream (a net.Listener), with virtual hosts.
//
// The server parses requests by hand rather than with net/http: reading the
// request line and header lines off a bufio.Reader, finding the delimiters and
// bounding the lengths is the point of the assignment. Because the server only
// needs a net.Listener, the tests run it over simulated labrpc streams in
// virtual time, and the tritonhttpd command runs the very same code over TCP.
//
// The protocol, as the tests check it:
//
//   - A request is a request line "GET <URL> HTTP/1.1", header lines
//     "Key: value" and an empty line, every line ending in CRLF. There are no
//     request bodies.
//   - The Host header is required; it selects a virtual host (port stripped,
//     compared case-insensitively). An unknown host is answered with 404.
//   - A URL ending in "/" means index.html in that directory. A directory
//     requested without the trailing slash is 404 (it is not redirected).
//     Beyond the spec, the query string is ignored and percent-escapes are
//     decoded (before cleaning), as browsers expect.
//   - A URL is cleaned before it is mapped below the docroot, and the file is
//     opened through an os.Root, so neither ".." nor a symbolic link can reach
//     a file outside the docroot; such requests are 404. Symbolic links inside
//     the docroot that point to targets inside it are followed; absolute
//     symbolic links are never followed.
//   - Responses are 200, 400 or 404, and 500 for a file that exists but
//     cannot be opened (beyond the spec; see README.md for this and the
//     other limits against hostile clients). Headers are written sorted by key. A 404
//     carries "Content-Length: 0" (beyond the spec's header list) so that
//     keep-alive clients can find the end of the empty body; 400 always closes
//     the connection.
//   - Connections are persistent and may pipeline requests; responses are
//     written in order. Each request must arrive within Config.Timeout (5 s by
//     default) of the moment the server starts reading it: if the timer fires
//     with part of a request read, the server answers 400 and closes; with
//     nothing read, it closes silently.
//   - Size limits: a single request or header line longer than MaxLineBytes,
//     or a request head (request line, header lines, final empty line) longer
//     than MaxHeadBytes, is a 400. The server never buffers more than that.
//   - Request framing (beyond the spec, which has no request bodies; the
//     reference server's rule, see README.md): the bytes of a body are never
//     read as a request, as RFC 9112 §6 requires. A body declared by a valid
//     Content-Length of at most 64 KiB is read and discarded within the
//     request's timeout, and the next request starts after it; a longer one
//     is refused with 413. An invalid or conflicting Content-Length, or a
//     Transfer-Encoding sent with a Content-Length or without chunked as its
//     final coding, is a 400; a chunked body, which the server does not
//     decode, is a 501. Every refusal closes the connection.
//   - Also beyond the spec, the reference server answers a head of more than
//     100 header lines with 400, and serves a bounded number of connections
//     at once, closing the one that waited longest for a request to make
//     room for a new one (README.md, "Limits against hostile or broken
//     clients").
//   - Files are streamed from disk, never read whole into memory.
package tritonhttp
