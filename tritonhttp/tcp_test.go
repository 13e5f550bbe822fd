package tritonhttp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// The same server over real TCP on an ephemeral loopback port, as the
// tritonhttpd command runs it: a net/http client fetches files with
// keep-alive, a raw connection pipelines, and Shutdown ends it all.
func TestRealTCP(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		t.Begin("Test: real TCP on loopback")
		big := make([]byte, 1<<20+7)
		for i := range big {
			big[i] = byte(i * 7)
		}
		root := labtest.TempFiles(t, map[string]string{"index.html": "<b>hi</b>", "big.bin": string(big)})
		srv := serveTCP(t, Config{VirtualHosts: map[string]string{"localhost": root, "127.0.0.1": root}})
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if err := srv.wait(); !errors.Is(err, ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
		}()
		// The client sends "Host: 127.0.0.1:<port>": the port must be stripped.
		base := "http://" + srv.addr

		tr := &http.Transport{DisableCompression: true}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		for _, tc := range []struct {
			url    string
			status int
			body   string
		}{
			{"/", 200, "<b>hi</b>"},
			{"/big.bin", 200, string(big)},
			{"/big.bin", 200, string(big)},
		} {
			resp, err := hc.Get(base + tc.url)
			if err != nil {
				t.Fatalf("GET %s: %v", tc.url, err)
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close() // fully read; close only returns the conn to the pool
			if err != nil {
				t.Fatalf("GET %s: %v", tc.url, err)
			}
			if resp.StatusCode != tc.status || string(body) != tc.body {
				t.Errorf("GET %s: %d, %d bytes; want %d, %d bytes", tc.url, resp.StatusCode, len(body), tc.status, len(tc.body))
			}
		}

		// Raw pipelining over TCP, ending with Connection: close.
		conn := srv.dial(t, 10*time.Second)
		defer conn.Close()
		if _, err := io.WriteString(conn, getRequest("localhost", "/")+getRequest("localhost:80", "/big.bin")+
			getRequest("LOCALHOST", "/", "Connection: close")); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		for i, want := range []string{"<b>hi</b>", string(big), "<b>hi</b>"} {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("pipelined response %d: %v", i, err)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil || string(body) != want {
				t.Fatalf("pipelined response %d: %d bytes, %v", i, len(body), err)
			}
		}
		if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("after Connection: close: read %d, %v; want EOF", n, err)
		}
		t.Passed(1, 7, int64(3*len(big)), 0)
	})
}

// "Serves large files without reading them whole into memory": over real
// TCP, fetching a 32 MB file must not make the process allocate anything
// near the file's size (the reference streams it with sendfile). The client
// reads through a fixed buffer, and the test runs alone, so the allocation
// counter measures the server.
func TestLargeFileStreamed(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		t.Begin("Test: large files are streamed, not loaded")
		const size = 32 << 20
		root := t.TempDir()
		f, err := os.Create(filepath.Join(root, "huge.bin"))
		if err != nil {
			t.Fatal(err)
		}
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
		for written := 0; written < size; written += len(chunk) {
			if _, err := f.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		srv := serveTCP(t, Config{VirtualHosts: map[string]string{"127.0.0.1": root}})
		defer func() {
			srv.Close()
			_ = srv.wait()
		}()
		conn := srv.dial(t, 60*time.Second)
		defer conn.Close()

		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := io.WriteString(conn, getRequest("127.0.0.1", "/huge.bin", "Connection: close")); err != nil {
			t.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, conn, make([]byte, 64<<10))
		if err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if n < size {
			t.Fatalf("received %d bytes, want the %d-byte file and its head", n, size)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/4 {
			t.Errorf("serving a %d MB file allocated %d MB: it must be streamed, not read whole", size>>20, alloc>>20)
		}
		t.Passed(1, 1, n, 0)
	})
}
