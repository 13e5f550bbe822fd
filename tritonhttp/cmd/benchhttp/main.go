// Command benchhttp compares tritonhttp with Go's net/http file server under
// the same keep-alive load, side by side in one run (make bench-http).
//
// It writes a docroot with a 0.5 KB and a 64 KB file to a temporary
// directory, serves it with a tritonhttp.Server and with http.FileServer on
// ephemeral loopback ports, and drives each with -c keep-alive connections
// for -d per run: wrk when it is installed, otherwise a built-in Go load
// generator (one request in flight per connection, like wrk). Rounds
// alternate the order of the two servers so a drift in machine load does not
// favour either. It prints req/s of both and the ratio tritonhttp / net/http.
//
//	go run ./tritonhttp/cmd/benchhttp -c 50 -d 3s -rounds 2
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"distlabs/tritonhttp"
)

// benchFile is one file the load requests.
type benchFile struct {
	label string
	name  string
	size  int
}

var files = []benchFile{
	{"0.5 KB", "small.txt", 512},
	{"64 KB", "large.txt", 64 << 10},
}

// pick returns the files selected by -file ("" means all).
func pick(name string) ([]benchFile, error) {
	if name == "" {
		return files, nil
	}
	for _, f := range files {
		if f.name == name {
			return []benchFile{f}, nil
		}
	}
	return nil, fmt.Errorf("unknown -file %q (small.txt or large.txt)", name)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchhttp:", err)
		os.Exit(1)
	}
}

func run() error {
	conns := flag.Int("c", 50, "keep-alive connections")
	dur := flag.Duration("d", 3*time.Second, "duration of each run")
	rounds := flag.Int("rounds", 2, "runs per server and file (alternating order)")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "untimed load before each run")
	useWrk := flag.String("wrk", "auto", "use wrk: auto (if installed), on, off")
	only := flag.String("only", "", "benchmark only this server (tritonhttp or net/http)")
	fileFlag := flag.String("file", "", "benchmark only this file (small.txt or large.txt)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("creating profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("starting profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	selected, err := pick(*fileFlag)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "benchhttp")
	if err != nil {
		return fmt.Errorf("creating docroot: %w", err)
	}
	defer os.RemoveAll(dir)
	for _, f := range files {
		body := bytes.Repeat([]byte("TritonHTTP benchmark payload.\n"), f.size/30+1)[:f.size]
		if err := os.WriteFile(filepath.Join(dir, f.name), body, 0o644); err != nil {
			return fmt.Errorf("writing docroot: %w", err)
		}
	}

	triton, err := startTriton(dir)
	if err != nil {
		return err
	}
	defer triton.stop()
	std, err := startNetHTTP(dir)
	if err != nil {
		return err
	}
	defer std.stop()

	var gen loadFunc = goLoad
	genName := "built-in Go load generator"
	if wrk, err := exec.LookPath("wrk"); err == nil && *useWrk != "off" {
		gen, genName = wrkLoad(wrk), "wrk"
	} else if *useWrk == "on" {
		return errors.New("-wrk on: wrk is not installed")
	}
	fmt.Printf("benchhttp: %d keep-alive connections, %v per run, %d round(s), %s, GOMAXPROCS=%d\n",
		*conns, *dur, *rounds, genName, runtime.GOMAXPROCS(0))
	fmt.Printf("  tritonhttp on %s, net/http FileServer on %s, docroot %s\n\n", triton.addr, std.addr, dir)

	servers := []*server{triton, std}
	fmt.Printf("%-8s %-12s %8s %12s %12s\n", "file", "server", "round", "req/s", "MB/s")
	results := map[*server][]float64{}
	for _, f := range selected {
		results[triton], results[std] = nil, nil
		for r := range *rounds {
			order := servers
			if r%2 == 1 {
				order = []*server{std, triton}
			}
			for _, s := range order {
				if *only != "" && s.name != *only {
					continue
				}
				url := "/" + f.name
				if _, err := gen(s.addr, url, *conns, *warmup); err != nil {
					return fmt.Errorf("%s warm-up: %w", s.name, err)
				}
				rps, err := gen(s.addr, url, *conns, *dur)
				if err != nil {
					return fmt.Errorf("%s %s: %w", s.name, url, err)
				}
				results[s] = append(results[s], rps)
				fmt.Printf("%-8s %-12s %8d %12.0f %12.1f\n", f.label, s.name, r+1, rps, rps*float64(f.size)/1e6)
			}
		}
		if *only != "" {
			continue
		}
		t, n := mean(results[triton]), mean(results[std])
		fmt.Printf("%-8s %-12s %8s %12.0f\n", f.label, triton.name, "mean", t)
		fmt.Printf("%-8s %-12s %8s %12.0f\n", f.label, std.name, "mean", n)
		fmt.Printf("%-8s ratio tritonhttp / net/http = %.2fx\n\n", f.label, t/n)
	}
	return nil
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// server is one server under test.
type server struct {
	name string
	addr string
	stop func()
}

func startTriton(dir string) (*server, error) {
	srv, err := tritonhttp.NewServer(tritonhttp.Config{VirtualHosts: map[string]string{
		"localhost": dir, "127.0.0.1": dir,
	}})
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("listening: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); !errors.Is(err, tritonhttp.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "benchhttp: tritonhttp:", err)
		}
	}()
	return &server{name: "tritonhttp", addr: l.Addr().String(), stop: func() {
		srv.Close()
		<-done
	}}, nil
}

func startNetHTTP(dir string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening: %w", err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "benchhttp: net/http:", err)
		}
	}()
	return &server{name: "net/http", addr: l.Addr().String(), stop: func() {
		_ = srv.Close() // benchmark teardown; errors do not matter
		<-done
	}}, nil
}

// loadFunc drives keep-alive GETs of url at addr over conns connections for
// d and returns the completed requests per second.
type loadFunc func(addr, url string, conns int, d time.Duration) (float64, error)

// goLoad is the built-in load generator: each connection sends a request,
// reads the whole response (framed by Content-Length), and repeats.
func goLoad(addr, url string, conns int, d time.Duration) (float64, error) {
	req := []byte("GET " + url + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
	var (
		stop  atomic.Bool
		total atomic.Int64
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	fail := func(err error) {
		errMu.Lock()
		if first == nil {
			first = err
		}
		errMu.Unlock()
		stop.Store(true)
	}
	start := time.Now()
	for range conns {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				fail(err)
				return
			}
			defer c.Close()
			br := bufio.NewReaderSize(c, 64<<10)
			n := int64(0)
			for !stop.Load() {
				if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
					fail(err)
					return
				}
				if _, err := c.Write(req); err != nil {
					fail(fmt.Errorf("sending: %w", err))
					return
				}
				if err := readResponse(br); err != nil {
					fail(err)
					return
				}
				n++
			}
			total.Add(n)
		})
	}
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	defer timer.Stop()
	wg.Wait()
	elapsed := time.Since(start)
	if first != nil {
		return 0, first
	}
	return float64(total.Load()) / elapsed.Seconds(), nil
}

// readResponse reads one 200 response and discards its body.
func readResponse(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return fmt.Errorf("reading status line: %w", err)
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("unexpected status line %q", line)
	}
	length := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("reading headers: %w", err)
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return fmt.Errorf("bad Content-Length %q", v)
			}
		}
	}
	if length < 0 {
		return errors.New("response without Content-Length")
	}
	if _, err := br.Discard(length); err != nil {
		return fmt.Errorf("reading body: %w", err)
	}
	return nil
}

var wrkRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// wrkLoad runs wrk with two threads.
func wrkLoad(wrk string) loadFunc {
	return func(addr, url string, conns int, d time.Duration) (float64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
		defer cancel()
		secs := max(1, int(d.Round(time.Second)/time.Second))
		cmd := exec.CommandContext(ctx, wrk, "-t2", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(secs)+"s", "http://"+addr+url)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, io.Discard
		if err := cmd.Run(); err != nil {
			return 0, fmt.Errorf("wrk: %w", err)
		}
		m := wrkRPS.FindSubmatch(out.Bytes())
		if m == nil {
			return 0, fmt.Errorf("wrk output without Requests/sec:\n%s", out.Bytes())
		}
		return strconv.ParseFloat(string(m[1]), 64)
	}
}
