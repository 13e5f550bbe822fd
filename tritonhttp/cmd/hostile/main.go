// Command hostile measures how the tritonhttp server holds up against
// hostile clients, for the limits table of tritonhttp/README.md.
//
// It runs the server (the tritonhttp package with its default Config, as
// tritonhttpd does) in a child process with RLIMIT_NOFILE lowered to
// -nofile, so that the server, not the clients, runs out of descriptors,
// and then plays one scenario against it over loopback:
//
//   - flood: -silent clients connect, send nothing and reconnect as soon as
//     they are dropped, while a well-behaved client sends -gets GETs, one
//     every -every. It prints each GET's status and latency, how long the
//     server kept the silent connections, and the most connections it held.
//   - heads: -conns clients each send a request head of MaxHeadBytes made
//     of -lines distinct header lines (the most the server accepts is the
//     costliest in memory), all but its final CRLF, and hold it until the
//     server times out. It prints when and how the server answered.
//   - timeouts: one client that sends nothing, one that sends half a request
//     and one that asks for a large file and reads nothing; it prints when
//     the server dropped each.
//
// Every scenario ends with the server's peak resident memory (VmHWM) and its
// memory before the clients came. Linux only (/proc, RLIMIT_NOFILE).
//
//	go run ./tritonhttp/cmd/hostile -scenario flood -nofile 1024 -silent 2500
//	go run ./tritonhttp/cmd/hostile -scenario heads -nofile 1024 -conns 495
//	go run ./tritonhttp/cmd/hostile -scenario timeouts
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"distlabs/tritonhttp"
)

// childFlag makes the command serve instead of probing (see serveChild).
const childFlag = "child"

func main() {
	child := flag.String(childFlag, "", "internal: serve DOCROOT with RLIMIT_NOFILE N, given as N:DOCROOT")
	scenario := flag.String("scenario", "flood", "flood, heads or timeouts")
	nofile := flag.Int("nofile", 1024, "the server's RLIMIT_NOFILE")
	silent := flag.Int("silent", 2500, "flood: silent reconnecting clients")
	gets := flag.Int("gets", 8, "flood: well-behaved GETs")
	every := flag.Duration("every", time.Second, "flood: time between GETs")
	patience := flag.Duration("patience", 10*time.Second, "flood: how long a GET may take before it counts as failed")
	conns := flag.Int("conns", 494, "heads: clients holding a request head")
	lines := flag.Int("lines", 100, "heads: header lines in each head, Host included (0: as many empty ones as fit)")
	flag.Parse()
	var err error
	if *child != "" {
		err = serveChild(*child)
	} else {
		err = run(*scenario, *nofile, *silent, *gets, *every, *patience, *conns, *lines)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

// serveChild serves DOCROOT as host "site" on an ephemeral loopback port,
// printed on stdout, with RLIMIT_NOFILE lowered to N (soft and hard, so
// that the Go runtime does not raise it again), until stdin closes.
func serveChild(spec string) error {
	n, dir, ok := strings.Cut(spec, ":")
	if !ok {
		return fmt.Errorf("bad -%s %q", childFlag, spec)
	}
	nofile, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		return fmt.Errorf("bad -%s %q: %w", childFlag, spec, err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: nofile, Max: nofile}); err != nil {
		return fmt.Errorf("setrlimit: %w", err)
	}
	srv, err := tritonhttp.NewServer(tritonhttp.Config{VirtualHosts: map[string]string{"site": dir}})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	fmt.Println(l.Addr())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin) // the parent closes it, or dies
		srv.Close()
	}()
	if err := srv.Serve(l); !errors.Is(err, tritonhttp.ErrServerClosed) {
		return err
	}
	return nil
}

// server is the child process serving the docroot.
type server struct {
	addr  string
	pid   int
	stdin io.Closer
	cmd   *exec.Cmd
}

// startServer writes a docroot (a small file and a 16 MiB one) and starts
// the child server on it.
func startServer(nofile int) (*server, func(), error) {
	dir, err := os.MkdirTemp("", "hostile")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) } // temporary files; nothing to report
	big := make([]byte, 16<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("alpha\n"), 0o644); err != nil {
		cleanup()
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644); err != nil {
		cleanup()
		return nil, nil, err
	}
	self, err := os.Executable()
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	cmd := exec.Command(self, "-"+childFlag, fmt.Sprintf("%d:%s", nofile, dir))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		cleanup()
		return nil, nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill() // never came up
		_ = cmd.Wait()
		cleanup()
		return nil, nil, fmt.Errorf("server printed no address: %w", err)
	}
	s := &server{addr: strings.TrimSpace(line), pid: cmd.Process.Pid, stdin: stdin, cmd: cmd}
	return s, func() {
		_ = s.stdin.Close() // asks the server to stop
		_ = s.cmd.Wait()    // its exit status says nothing about the measurement
		cleanup()
	}, nil
}

// memKiB returns a field of /proc/PID/status in KiB (VmRSS, VmHWM).
func (s *server) memKiB(field string) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return -1
}

// sockets counts the server's open sockets: its connections and listener.
func (s *server) sockets() int {
	dir := fmt.Sprintf("/proc/%d/fd", s.pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return -1
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n
}

// watchSockets samples the server's sockets every 20 ms until stop closes,
// and returns the most it saw minus the listener.
func (s *server) watchSockets(stop <-chan struct{}) <-chan int {
	most := make(chan int, 1)
	go func() {
		peak := 0
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, s.sockets()-1)
			select {
			case <-stop:
				most <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return most
}

func run(scenario string, nofile, silent, gets int, every, patience time.Duration, conns, lines int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if need := uint64(max(silent, conns) + 100); lim.Cur < need {
		return fmt.Errorf("the clients need %d descriptors, the limit is %d", need, lim.Cur)
	}
	srv, stop, err := startServer(nofile)
	if err != nil {
		return err
	}
	defer stop()
	time.Sleep(200 * time.Millisecond)
	fmt.Printf("server: pid %d on %s, RLIMIT_NOFILE %d, %d KiB resident before the clients\n", srv.pid, srv.addr, nofile, srv.memKiB("VmRSS"))
	switch scenario {
	case "flood":
		err = flood(srv, silent, gets, every, patience)
	case "heads":
		err = heads(srv, conns, lines)
	case "timeouts":
		err = timeouts(srv)
	default:
		err = fmt.Errorf("unknown scenario %q", scenario)
	}
	fmt.Printf("server: peak resident memory %d KiB\n", srv.memKiB("VmHWM"))
	return err
}

// flood runs silent reconnecting clients against a well-behaved one.
func flood(srv *server, silent, gets int, every, patience time.Duration) error {
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		mu       sync.Mutex
		current  = make([]net.Conn, silent)
		lifetime []time.Duration // how long the server kept each silent connection
	)
	stopWatch := make(chan struct{})
	most := srv.watchSockets(stopWatch)
	for i := range silent {
		wg.Go(func() {
			for !stop.Load() {
				c, err := net.DialTimeout("tcp", srv.addr, 2*time.Second)
				if err != nil {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				start := time.Now()
				mu.Lock()
				current[i] = c
				mu.Unlock()
				_ = c.SetReadDeadline(time.Now().Add(time.Minute))
				_, err = io.Copy(io.Discard, c)
				_ = c.Close() // done with it either way
				if err == nil && !stop.Load() {
					mu.Lock()
					lifetime = append(lifetime, time.Since(start))
					mu.Unlock()
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	time.Sleep(2 * time.Second) // let them fill the server and its accept queue
	failed := 0
	for i := range gets {
		start := time.Now()
		status, err := fetch(srv.addr, patience)
		el := time.Since(start).Round(time.Millisecond)
		if err != nil || status != http.StatusOK {
			failed++
		}
		fmt.Printf("GET %d: status %d after %v (%v)\n", i, status, el, err)
		time.Sleep(every)
	}
	stop.Store(true)
	close(stopWatch)
	mu.Lock()
	for _, c := range current {
		if c != nil {
			_ = c.Close() // unblocks its reader
		}
	}
	mu.Unlock()
	wg.Wait()
	slices.Sort(lifetime)
	fmt.Printf("flood: %d of %d GETs failed; %d silent clients; the server held at most %d connections\n", failed, gets, silent, <-most)
	if n := len(lifetime); n > 0 {
		fmt.Printf("flood: the server dropped %d silent connections after %v (median), %v (90th percentile), %v (max)\n",
			n, lifetime[n/2].Round(time.Millisecond), lifetime[n*9/10].Round(time.Millisecond), lifetime[n-1].Round(time.Millisecond))
	}
	return nil
}

// fetch sends one GET with "Connection: close" and returns its status.
func fetch(addr string, patience time.Duration) (int, error) {
	c, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(patience)); err != nil {
		return 0, err
	}
	if _, err := io.WriteString(c, "GET /a.txt HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n"); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// bigHead is a request head of MaxHeadBytes without its final CRLF: the
// request line, Host and lines-1 distinct header lines sharing the rest of
// the bytes (lines 0: as many empty ones as fit, the costliest head in
// memory when the server does not bound the number of lines).
func bigHead(lines int) []byte {
	b := []byte("GET /a.txt HTTP/1.1\r\nHost: site\r\n")
	room := tritonhttp.MaxHeadBytes - 2 - len(b)
	const empty = len("X-00000:\r\n")
	if lines <= 1 || (lines-1)*empty > room {
		lines = room/empty + 1
	}
	for i := 1; i < lines; i++ {
		pad := (room - (lines-i)*empty) / (lines - i)
		if i == lines-1 {
			pad = room - empty
		}
		b = fmt.Appendf(b, "X-%05d:%s\r\n", i, strings.Repeat("v", max(pad, 0)))
		room -= empty + max(pad, 0)
	}
	return b
}

// heads holds conns connections, each with a full-size request head, until
// the server answers them.
func heads(srv *server, conns, lines int) error {
	head := bigHead(lines)
	stopWatch := make(chan struct{})
	most := srv.watchSockets(stopWatch)
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	var last time.Duration
	start := time.Now()
	for range conns {
		c, err := net.Dial("tcp", srv.addr)
		if err != nil {
			return err
		}
		wg.Go(func() {
			defer c.Close()
			if _, err := c.Write(head); err != nil {
				mu.Lock()
				answers["write failed: "+err.Error()]++
				mu.Unlock()
				return
			}
			_ = c.SetReadDeadline(time.Now().Add(time.Minute))
			line, err := bufio.NewReader(c).ReadString('\n')
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				answers["no answer: "+err.Error()]++
			} else {
				answers[strings.TrimSpace(line)]++
			}
			last = max(last, time.Since(start))
		})
	}
	time.Sleep(time.Second)
	held := srv.sockets() - 1
	wg.Wait()
	close(stopWatch)
	fmt.Printf("heads: %d clients each holding a %d-byte head of %d header lines; %d connections held 1 s later (at most %d)\n",
		conns, len(head), strings.Count(string(head), "\r\n")-1, held, <-most)
	for answer, n := range answers {
		fmt.Printf("heads: %d answered %q, the last after %v\n", n, answer, last.Round(time.Millisecond))
	}
	return nil
}

// timeouts measures, one client at a time, when the server drops an idle
// client, a client that sent half a request, and one that stopped reading a
// large file: it watches the server's own sockets, so that the client need
// not read (which would keep the stalled reader alive).
func timeouts(srv *server) error {
	probes := []struct{ name, send string }{
		{"idle (sends nothing)", ""},
		{"half a request", "GET /a.txt HTTP/1.1\r\nHost: si"},
		{"stalled reader (16 MiB file, reads nothing)", "GET /big.bin HTTP/1.1\r\nHost: site\r\n\r\n"},
	}
	base := srv.sockets()
	for _, p := range probes {
		// A small receive buffer, set before connecting, keeps the kernel
		// from taking much of the file on the stalled reader's behalf.
		d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			if err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 64<<10)
			}); err != nil {
				return err
			}
			return serr
		}}
		c, err := d.Dial("tcp", srv.addr)
		if err != nil {
			return err
		}
		start := time.Now()
		if _, err := io.WriteString(c, p.send); err != nil {
			_ = c.Close() // measurement failed anyway
			return err
		}
		for srv.sockets() <= base && time.Since(start) < time.Second {
			time.Sleep(time.Millisecond) // until the server has accepted it
		}
		for srv.sockets() > base && time.Since(start) < time.Minute {
			time.Sleep(10 * time.Millisecond)
		}
		dropped := time.Since(start)
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		head := make([]byte, 12)
		n, _ := io.ReadFull(c, head)
		_ = c.Close() // done
		fmt.Printf("timeouts: %s: dropped after %v; the client's first bytes: %q\n",
			p.name, dropped.Round(10*time.Millisecond), head[:n])
	}
	return nil
}
