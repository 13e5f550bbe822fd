package tritonhttp

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkServe measures one keep-alive request/response over loopback TCP
// for a small and a 64 KB file, with allocations per request (client
// included). The side-by-side comparison with net/http is `make bench-http`.
func BenchmarkServe(b *testing.B) {
	root := b.TempDir()
	for name, size := range map[string]int{"small.txt": 512, "large.txt": 64 << 10} {
		if err := os.WriteFile(filepath.Join(root, name), bytes.Repeat([]byte("x"), size), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	srv := serveTCP(b, Config{VirtualHosts: map[string]string{"bench": root}})
	defer func() {
		srv.Close()
		_ = srv.wait()
	}()
	for _, name := range []string{"small.txt", "large.txt"} {
		b.Run(name, func(b *testing.B) {
			conn, err := net.Dial("tcp", srv.addr)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			req := []byte("GET /" + name + " HTTP/1.1\r\nHost: bench\r\n\r\n")
			br := bufio.NewReaderSize(conn, 64<<10)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := conn.Write(req); err != nil {
					b.Fatal(err)
				}
				length := -1
				for {
					line, err := br.ReadSlice('\n')
					if err != nil {
						b.Fatal(err)
					}
					if len(line) == 2 {
						break
					}
					if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
						if length, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
							b.Fatal(err)
						}
					}
				}
				if _, err := io.CopyN(io.Discard, br, int64(length)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
