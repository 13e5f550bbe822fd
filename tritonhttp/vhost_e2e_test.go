package tritonhttp

import (
	"testing"

	"distlabs/test/labtest"
)

// Spec "Virtual hosts": the Host header, port stripped, selects the docroot;
// an unknown host is a 404 or the default host. Host names compare
// case-insensitively.
func TestVirtualHosts(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: virtual hosts")
		one := map[string]string{"index.html": "site one", "only1.txt": "one"}
		two := map[string]string{"index.html": "site two", "only2.txt": "two"}
		s := startSite(t, map[string]map[string]string{"one.example": one, "two.example": two})
		defer s.stop()
		c := s.dial()
		defer c.close()
		cases := []struct {
			host, url string
			status    int
			body      string
		}{
			{"one.example", "/", 200, "site one"},
			{"two.example", "/", 200, "site two"},
			{"one.example:8080", "/", 200, "site one"},
			{"TWO.Example:80", "/only2.txt", 200, "two"},
			{"one.example", "/only1.txt", 200, "one"},
			{"one.example", "/only2.txt", 404, ""},
			{"two.example", "/only1.txt", 404, ""},
		}
		for _, tc := range cases {
			c.get(tc.host, tc.url)
			r := c.read()
			if r.status != tc.status || string(r.body) != tc.body {
				t.Errorf("Host %q GET %s: %d %q, want %d %q", tc.host, tc.url, r.status, r.body, tc.status, tc.body)
			}
		}
		// An unknown host is 404 or served by a default host: the spec
		// leaves the choice (the reference answers 404). Either way it must
		// not be mistaken for a prefix or suffix match of a known name.
		unknown := []string{"three.example", "one.example.evil", "one", "xone.example"}
		for _, host := range unknown {
			c.get(host, "/only1.txt")
			r1 := c.read()
			c.get(host, "/only2.txt")
			r2 := c.read()
			if r1.status == StatusOK && r2.status == StatusOK {
				t.Errorf("unknown Host %q is served from both docroots", host)
			}
			for _, r := range []*response{r1, r2} {
				if r.status != StatusNotFound && r.status != StatusOK {
					t.Errorf("unknown Host %q: status %d, want 404 (or a default host)", host, r.status)
				}
			}
		}
		t.Passed(1, len(cases)+2*len(unknown), 0, 0)
	})
}
