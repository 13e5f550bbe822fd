package tritonhttp

import (
	"io"
	"strconv"
	"time"
)

// Status codes the server sends.
const (
	StatusOK                  = 200
	StatusBadRequest          = 400
	StatusNotFound            = 404
	StatusInternalServerError = 500
	//solution:begin
	// StatusContentTooLarge refuses a request whose Content-Length is over
	// MaxBodyBytes (RFC 9110 §15.5.14).
	StatusContentTooLarge = 413
	// StatusNotImplemented refuses a chunked request body, which this
	// GET-only server does not decode (RFC 9112 §6.1).
	StatusNotImplemented = 501
	//solution:end
)

// TimeFormat is the RFC 1123 layout, in GMT, of the Date and Last-Modified
// headers: "Tue, 19 Oct 2021 18:12:55 GMT". Format a UTC time with it.
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// StatusText returns the reason phrase of a status code the server sends,
// or "Unknown" for any other code.
func StatusText(code int) string {
	switch code {
	case StatusOK:
		return "OK"
	case StatusBadRequest:
		return "Bad Request"
	case StatusNotFound:
		return "Not Found"
	case StatusInternalServerError:
		return "Internal Server Error"
		//solution:begin
	case StatusContentTooLarge:
		return "Content Too Large"
	case StatusNotImplemented:
		return "Not Implemented"
		//solution:end
	}
	return "Unknown"
}

// Response is the head of one response. Its header fields are fixed rather
// than a map because the server only ever sends these five headers, and a
// fixed order lets the head be written sorted without sorting anything.
type Response struct {
	// StatusCode is one of the Status constants above.
	StatusCode int
	// Date is sent as the Date header (in GMT).
	Date time.Time
	// Close sends "Connection: close".
	Close bool
	// ContentLength is sent as Content-Length when it is not negative.
	ContentLength int64
	// ContentType is sent as Content-Type when it is not empty.
	ContentType string
	// LastModified is sent as Last-Modified (in GMT) when it is not zero.
	LastModified time.Time
}

// WriteHead writes the status line and the header block, ending with the
// empty line, to w.
func (r *Response) WriteHead(w io.Writer) error {
	var buf [256]byte
	date := r.Date.UTC().AppendFormat(buf[:0:64], TimeFormat)
	b := r.appendHead(buf[len(date):len(date)], date)
	_, err := w.Write(b)
	return err
}

// appendHead appends the status line and headers to b, with date already
// formatted (the server caches it per second). Headers are appended in sorted
// key order: Connection, Content-Length, Content-Type, Date, Last-Modified.
func (r *Response) appendHead(b, date []byte) []byte {
	//solution:begin
	switch r.StatusCode {
	case StatusOK:
		b = append(b, "HTTP/1.1 200 OK\r\n"...)
	case StatusBadRequest:
		b = append(b, "HTTP/1.1 400 Bad Request\r\n"...)
	case StatusNotFound:
		b = append(b, "HTTP/1.1 404 Not Found\r\n"...)
	default:
		b = append(b, "HTTP/1.1 "...)
		b = strconv.AppendInt(b, int64(r.StatusCode), 10)
		b = append(b, ' ')
		b = append(b, StatusText(r.StatusCode)...)
		b = append(b, "\r\n"...)
	}
	if r.Close {
		b = append(b, "Connection: close\r\n"...)
	}
	if r.ContentLength >= 0 {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, r.ContentLength, 10)
		b = append(b, "\r\n"...)
	}
	if r.ContentType != "" {
		b = append(b, "Content-Type: "...)
		b = append(b, r.ContentType...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Date: "...)
	b = append(b, date...)
	b = append(b, "\r\n"...)
	if !r.LastModified.IsZero() {
		b = append(b, "Last-Modified: "...)
		b = r.LastModified.UTC().AppendFormat(b, TimeFormat)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
	//solution:stub
	// // Your code here: the status line, the headers in key order, the
	// // empty line.
	// return b
	//solution:end
}
