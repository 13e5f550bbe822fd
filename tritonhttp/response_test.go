package tritonhttp

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/test/labtest"
)

// Writer rules: spec tritonhttp.md, "Status codes" and "Response headers,
// written sorted by key, canonical form", dates in RFC 1123 GMT form.
func TestResponseWriteHead(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		date := time.Date(2021, 10, 19, 18, 12, 55, 0, time.UTC)
		// A non-UTC time must still be written in GMT.
		modified := time.Date(2021, 10, 1, 1, 2, 3, 0, time.FixedZone("PDT", -7*3600))
		tests := []struct {
			name string
			resp Response
			want string
		}{
			{
				name: "200 with every header",
				resp: Response{StatusCode: StatusOK, Date: date, ContentLength: 512, ContentType: "text/html; charset=utf-8", LastModified: modified},
				want: "HTTP/1.1 200 OK\r\n" +
					"Content-Length: 512\r\n" +
					"Content-Type: text/html; charset=utf-8\r\n" +
					"Date: Tue, 19 Oct 2021 18:12:55 GMT\r\n" +
					"Last-Modified: Fri, 01 Oct 2021 08:02:03 GMT\r\n\r\n",
			},
			{
				name: "200 with connection close sorts first",
				resp: Response{StatusCode: StatusOK, Date: date, Close: true, ContentLength: 0, ContentType: "application/octet-stream", LastModified: date},
				want: "HTTP/1.1 200 OK\r\n" +
					"Connection: close\r\n" +
					"Content-Length: 0\r\n" +
					"Content-Type: application/octet-stream\r\n" +
					"Date: Tue, 19 Oct 2021 18:12:55 GMT\r\n" +
					"Last-Modified: Tue, 19 Oct 2021 18:12:55 GMT\r\n\r\n",
			},
			{
				name: "400",
				resp: Response{StatusCode: StatusBadRequest, Date: date, Close: true, ContentLength: -1},
				want: "HTTP/1.1 400 Bad Request\r\n" +
					"Connection: close\r\n" +
					"Date: Tue, 19 Oct 2021 18:12:55 GMT\r\n\r\n",
			},
			{
				name: "404",
				resp: Response{StatusCode: StatusNotFound, Date: date, ContentLength: -1},
				want: "HTTP/1.1 404 Not Found\r\n" +
					"Date: Tue, 19 Oct 2021 18:12:55 GMT\r\n\r\n",
			},
			{
				name: "404 with empty body length",
				resp: Response{StatusCode: StatusNotFound, Date: date},
				want: "HTTP/1.1 404 Not Found\r\n" +
					"Content-Length: 0\r\n" +
					"Date: Tue, 19 Oct 2021 18:12:55 GMT\r\n\r\n",
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var buf bytes.Buffer
				require.NoError(t, tc.resp.WriteHead(&buf))
				assert.Equal(t, tc.want, buf.String())
			})
		}
	})
}

func TestStatusText(t *testing.T) {
	assert.Equal(t, "OK", StatusText(200))
	assert.Equal(t, "Bad Request", StatusText(400))
	assert.Equal(t, "Not Found", StatusText(404))
	assert.Equal(t, "Unknown", StatusText(599))
}

// The cached Date value changes with the second and is correctly formatted.
func TestDateCache(t *testing.T) {
	var d dateCache
	got, err := time.Parse(TimeFormat, string(d.get()))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), got, 2*time.Second)
}
