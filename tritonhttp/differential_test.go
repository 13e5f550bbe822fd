package tritonhttp

import (
	"bytes"
	"io/fs"
	"mime"
	"net/http"
	"net/http/httptest"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"distlabs/test/labtest"
)

// genDocroot fills dir with files of many types and sizes, nested
// directories and index files; contents come from t.Rand.
func genDocroot(t *labtest.T, dir string) {
	t.Helper()
	exts := []string{".html", ".htm", ".txt", ".css", ".js", ".json", ".png", ".jpg",
		".jpeg", ".gif", ".svg", ".pdf", ".xml", ".wasm", ".avif", ".zzunknown", ""}
	sizes := []int{0, 1, 100, 511, 512, 513, 4095, 4096, 4097, 65536, 200003}
	files := map[string]string{"index.html": "<html>root index</html>"}
	for i, ext := range exts {
		for j, dirName := range []string{"", "d1/", "d1/d2/"} {
			size := sizes[(i+j*5)%len(sizes)]
			files[dirName+"f"+strconv.Itoa(i)+ext] = string(randomBytes(t, size))
		}
	}
	files["d1/index.html"] = "<html>d1 index</html>"
	files["d1/d2/index.html"] = strings.Repeat("<p>d2</p>", 1000)
	labtest.WriteFiles(t, dir, files)
}

// Differential test against Go's net/http file server, the oracle for
// spec "Protocol": for every file of a generated docroot (and for missing
// names), status, body, Content-Type, Content-Length and Last-Modified must
// match what http.FileServer answers.
// Known, documented differences are not compared: FileServer sniffs the
// type of files whose extension is unknown (we send
// application/octet-stream), redirects directories without a slash and
// .../index.html (we answer 404 and serve index.html only for ".../"), and
// its 404 has a body.
func TestDifferentialFileServer(t *testing.T) {
	onSite(t, "Test: differential against net/http FileServer", map[string]map[string]string{"site": {}}, func(t *labtest.T, s *site) {
		root := s.roots["site"]
		genDocroot(t, root)
		oracle := http.FileServer(http.Dir(root))

		var urls []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			url := "/" + filepath.ToSlash(rel)
			if path.Base(url) == "index.html" {
				url = strings.TrimSuffix(url, "index.html")
			}
			urls = append(urls, url)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, "/missing", "/d1/missing.html", "/d1/d2/nope/", "/f1.txt/x", "/nodir/")

		c := s.dial()
		defer c.close()
		var total int64
		for _, url := range urls {
			rec := httptest.NewRecorder()
			oracle.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
			want := rec.Result()

			c.get("site", url)
			got := c.read()
			if got.status != want.StatusCode {
				t.Errorf("GET %s: status %d, FileServer %d", url, got.status, want.StatusCode)
				continue
			}
			if got.status != http.StatusOK {
				continue
			}
			wantBody := rec.Body.Bytes()
			if !bytes.Equal(got.body, wantBody) {
				t.Errorf("GET %s: body differs (%d bytes, FileServer %d)", url, len(got.body), len(wantBody))
			}
			total += int64(len(got.body))
			for _, h := range []string{"Content-Length", "Last-Modified", "Content-Type"} {
				if _, ok := got.header[h]; !ok {
					t.Errorf("GET %s: no %s header", url, h)
				}
			}
			for _, h := range []string{"Content-Length", "Last-Modified"} {
				if g, w := got.header[h], want.Header.Get(h); g != w {
					t.Errorf("GET %s: %s %q, FileServer %q", url, h, g, w)
				}
			}
			name := url
			if strings.HasSuffix(name, "/") {
				name += "index.html"
			}
			if mime.TypeByExtension(path.Ext(name)) != "" {
				if g, w := got.header["Content-Type"], want.Header.Get("Content-Type"); g != w {
					t.Errorf("GET %s: Content-Type %q, FileServer %q", url, g, w)
				}
			} else if g := got.header["Content-Type"]; g != "application/octet-stream" {
				t.Errorf("GET %s: Content-Type %q for an unknown extension, want application/octet-stream", url, g)
			}
		}
		t.Passed(1, len(urls), total, 0)
	})
}
