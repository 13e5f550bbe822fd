package tritonhttp

import (
	"net/url"
	"path"
	"strings"
)

// resolveName maps a request URL to a slash-separated file name relative to
// the docroot, suitable for os.Root.Open. The query string is ignored and
// percent-escapes are decoded, as browsers send them; ok is false for a URL
// whose escapes are malformed. The name is cleaned, so ".." can never climb
// above the docroot: "/../../etc/passwd" becomes "etc/passwd" below it.
// A URL ending in "/" names index.html in that directory. The root itself
// without a trailing slash (e.g. "/a/..") comes back as ".", a directory,
// which the server answers with 404 like any directory.
func resolveName(rawURL string) (name string, ok bool) {
	//solution:begin
	p := rawURL
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if strings.IndexByte(p, '%') >= 0 {
		dec, err := url.PathUnescape(p)
		if err != nil {
			return "", false
		}
		p = dec
	}
	if p == "" || p[0] != '/' {
		return "", false
	}
	dir := strings.HasSuffix(p, "/")
	p = path.Clean(p)[1:]
	if dir {
		if p == "" {
			return "index.html", true
		}
		return p + "/index.html", true
	}
	if p == "" {
		return ".", true
	}
	return p, true
	//solution:stub
	// // Your code here: map the URL to a clean path below the docroot.
	// return "", false
	//solution:end
}
