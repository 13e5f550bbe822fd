package distsort

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// FuzzLoadCluster feeds arbitrary bytes to netsort's cluster config parser:
// it returns an error or addresses indexed 0..N-1 with a host and a valid
// port each, never panics, and WriteCluster writes what it reads back the
// same.
//
//	go test ./distsort -run '^$' -fuzz FuzzLoadCluster -fuzztime 30s -fuzzminimizetime 0
func FuzzLoadCluster(f *testing.F) {
	f.Add([]byte("servers:\n  - {serverId: 0, host: 127.0.0.1, port: 9000}\n  - {serverId: 1, host: 127.0.0.1, port: 9001}\n"))
	f.Add([]byte("servers:\n  - serverId: 1\n    host: ::1\n    port: 1\n  - serverId: 0\n    host: localhost\n    port: 65535\n"))
	f.Add([]byte("servers:\n  - {serverId: 0, host: a, port: 0}\n"))
	f.Add([]byte("servers:\n  - {serverId: 3, host: a, port: 1}\n"))
	f.Add([]byte("servers: [{serverId: 0, host: a, port: 1}, {serverId: 0, host: b, port: 2}]"))
	f.Add([]byte("servers: {"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "cluster.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		addrs, err := LoadCluster(path)
		if err != nil {
			return
		}
		if len(addrs) == 0 {
			t.Fatal("no error and no servers")
		}
		for i, a := range addrs {
			host, port, err := net.SplitHostPort(a)
			if err != nil || host == "" {
				t.Fatalf("server %d: address %q: %v", i, a, err)
			}
			if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
				t.Fatalf("server %d: port %q accepted", i, port)
			}
		}
		again := filepath.Join(dir, "again.yaml")
		if err := WriteCluster(again, addrs); err != nil {
			t.Fatalf("WriteCluster(%q): %v", addrs, err)
		}
		back, err := LoadCluster(again)
		if err != nil || !slices.Equal(back, addrs) {
			t.Fatalf("round trip: %q -> %q, %v", addrs, back, err)
		}
	})
}
