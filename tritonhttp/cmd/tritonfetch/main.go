// Command tritonfetch sends raw bytes to an HTTP server and prints the raw
// response, for poking at tritonhttpd by hand (malformed requests, pipelines,
// timeouts) where curl would insist on well-formed HTTP.
//
//	tritonfetch -addr localhost:8080 request.txt     # send a file as is
//	tritonfetch -addr localhost:8080 -get /index.html -H website1
//	printf 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' | tritonfetch -addr :8080 -
//
// With -crlf, bare "\n" line ends in the input are turned into "\r\n", so
// request files can be written in any editor. Output stops when the server
// closes the connection or after -idle without data.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tritonfetch:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "localhost:8080", "server address host:port")
	get := flag.String("get", "", "send a GET for this URL instead of a request file")
	host := flag.String("H", "localhost", "Host header for -get")
	closeConn := flag.Bool("close", false, "with -get, add Connection: close")
	crlf := flag.Bool("crlf", false, `convert bare "\n" line ends of the input to "\r\n"`)
	idle := flag.Duration("idle", 6*time.Second, "stop after this long without data from the server")
	halfClose := flag.Bool("half_close", false, "close the sending side after the request")
	flag.Parse()

	var req []byte
	switch {
	case *get != "":
		req = []byte("GET " + *get + " HTTP/1.1\r\nHost: " + *host + "\r\n")
		if *closeConn {
			req = append(req, "Connection: close\r\n"...)
		}
		req = append(req, "\r\n"...)
	case flag.NArg() == 1:
		var err error
		if flag.Arg(0) == "-" {
			req, err = io.ReadAll(os.Stdin)
		} else {
			req, err = os.ReadFile(flag.Arg(0))
		}
		if err != nil {
			return fmt.Errorf("reading request: %w", err)
		}
	default:
		return errors.New("give a request file (or -) or -get URL")
	}
	if *crlf {
		req = bytes.ReplaceAll(bytes.ReplaceAll(req, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
	}

	conn, err := net.DialTimeout("tcp", *addr, 10*time.Second)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write(req); err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	if tc, ok := conn.(*net.TCPConn); ok && *halfClose {
		if err := tc.CloseWrite(); err != nil {
			return fmt.Errorf("half-closing: %w", err)
		}
	}
	buf := make([]byte, 32<<10)
	for {
		if err := conn.SetReadDeadline(time.Now().Add(*idle)); err != nil {
			return fmt.Errorf("setting deadline: %w", err)
		}
		n, err := conn.Read(buf)
		if _, werr := os.Stdout.Write(buf[:n]); werr != nil {
			return fmt.Errorf("writing output: %w", werr)
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			fmt.Fprintln(os.Stderr, "tritonfetch: connection closed by server")
			return nil
		case errors.Is(err, os.ErrDeadlineExceeded):
			fmt.Fprintf(os.Stderr, "tritonfetch: no data for %v, giving up (connection still open)\n", *idle)
			return nil
		default:
			return fmt.Errorf("receiving: %w", err)
		}
	}
}
