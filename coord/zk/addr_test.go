package zk_test

import (
	"slices"
	"testing"

	"distlabs/coord/zk"
	"distlabs/test/labtest"
)

// TestParseAddr: connect strings as ZooKeeper's clients take them, a
// chroot at the end; malformed ones are errors, never a guess.
func TestParseAddr(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		good := []struct {
			in      string
			servers []string
			root    string
		}{
			{"127.0.0.1:2181", []string{"127.0.0.1:2181"}, ""},
			{"a:1,b:2", []string{"a:1", "b:2"}, ""},
			{"a:1/", []string{"a:1"}, ""},
			{"a:1/app", []string{"a:1"}, "/app"},
			{"a:1,b:2/app/test-7", []string{"a:1", "b:2"}, "/app/test-7"},
		}
		for _, g := range good {
			servers, root, err := zk.ParseAddr(g.in)
			if err != nil || !slices.Equal(servers, g.servers) || root != g.root {
				t.Errorf("ParseAddr(%q) = %q, %q, %v; want %q, %q", g.in, servers, root, err, g.servers, g.root)
			}
		}
		for _, bad := range []string{"", "/app", "a:1,,b:2", "a:1,", "a:1/app/", "a:1//app", "a:1/app/../x", "a:1/./x"} {
			if servers, root, err := zk.ParseAddr(bad); err == nil {
				t.Errorf("ParseAddr(%q) = %q, %q, no error", bad, servers, root)
			}
		}
	})
}
