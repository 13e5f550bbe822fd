//solution:file

package tritonhttp

import (
	"bufio"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// The progress deadline on real TCP, where large files go out through
// sendfile (the connection's ReadFrom) rather than through our buffer: a
// client that stops reading loses the connection once the kernel's
// buffers are full and nothing moved for the timeout, while one that keeps
// reading gets the whole file even though it takes many timeouts.
func TestStalledReaderIsClosedTCP(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		big := make([]byte, 16<<20) // four times what loopback socket buffers hold here
		for i := range big {
			big[i] = byte(i * 13)
		}
		root := labtest.TempFiles(t, map[string]string{"big.bin": string(big)})
		// serve starts a server with the given progress timeout.
		serve := func(timeout time.Duration) string {
			srv := serveTCP(t, Config{VirtualHosts: map[string]string{"site": root}, Timeout: timeout})
			t.Cleanup(srv.Close)
			return srv.addr
		}

		fetch := func(addr string, pause time.Duration, chunk int) (int, error) {
			// A small receive buffer, set before connecting (so that
			// autotuning cannot grow it), keeps the kernel from absorbing
			// the whole file on the client's behalf.
			d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
				var serr error
				if err := rc.Control(func(fd uintptr) {
					serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 64<<10)
				}); err != nil {
					return err
				}
				return serr
			}}
			c, err := d.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, getRequest("site", "/big.bin")); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReaderSize(c, chunk)
			buf := make([]byte, chunk)
			total := 0
			for {
				time.Sleep(pause)
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
				n, err := io.ReadFull(br, buf)
				total += n
				if err != nil {
					return total, err
				}
				if total > len(big)+1000 {
					return total, nil
				}
			}
		}

		// Stall for 10 timeouts (a wide margin: the server needs two, from
		// when it starts sending), then read: the server must have closed.
		const short = 150 * time.Millisecond
		got, err := fetch(serve(short), 10*short, len(big)+4096)
		if err == nil || got >= len(big) {
			t.Fatalf("a client that read nothing for %v got %d of %d bytes (%v): the connection was kept", 10*short, got, len(big), err)
		}

		// A steady reader: 4 MiB every 0.3 timeout; the whole file takes
		// a few timeouts, and the server blocks between reads.
		const long = time.Second
		got, err = fetch(serve(long), long*3/10, 4<<20)
		if got < len(big) {
			t.Fatalf("a steadily reading client got %d of %d bytes: %v", got, len(big), err)
		}
	})
}
