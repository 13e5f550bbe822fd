// Command tritonhttpd serves TritonHTTP over TCP with the virtual hosts of a
// virtual_hosts.yaml file.
//
//	tritonhttpd -port 8080 -vh_config virtual_hosts.yaml -docroot docroot_dirs
//
// virtual_hosts.yaml maps host names to docroots (relative to -docroot):
//
//	virtual_hosts:
//	  - hostName: website1
//	    docRoot: website1
//
// SIGINT or SIGTERM shuts the server down gracefully: it stops accepting,
// finishes the responses in progress (for up to -grace), then exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"distlabs/tritonhttp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tritonhttpd:", err)
		os.Exit(1)
	}
}

func run() error {
	port := flag.Int("port", 8080, "TCP port to listen on")
	host := flag.String("host", "", "address to listen on (default: all interfaces)")
	vhConfig := flag.String("vh_config", "virtual_hosts.yaml", "virtual hosts file")
	docroot := flag.String("docroot", "docroot_dirs", "base directory of the docRoot entries in -vh_config")
	timeout := flag.Duration("timeout", tritonhttp.DefaultTimeout, "time allowed to receive each request")
	accessLog := flag.String("access_log", "", `write a JSON access log line per request to this file ("-" for stderr)`)
	grace := flag.Duration("grace", 10*time.Second, "how long shutdown waits for responses in progress")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}

	hosts, err := tritonhttp.LoadVirtualHosts(*vhConfig, *docroot)
	if err != nil {
		return err
	}
	cfg := tritonhttp.Config{VirtualHosts: hosts, Timeout: *timeout}
	switch *accessLog {
	case "":
	case "-":
		cfg.AccessLog = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	default:
		f, err := os.OpenFile(*accessLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("opening access log: %w", err)
		}
		defer f.Close()
		cfg.AccessLog = slog.New(slog.NewJSONHandler(f, nil))
	}
	srv, err := tritonhttp.NewServer(cfg)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		srv.Close()
		return fmt.Errorf("listening: %w", err)
	}
	fmt.Fprintf(os.Stderr, "tritonhttpd: serving %d virtual host(s) on %s\n", len(hosts), l.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		srv.Close()
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	stop() // a second signal kills the process the default way
	fmt.Fprintln(os.Stderr, "tritonhttpd: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	shutErr := srv.Shutdown(sctx)
	if err := <-served; !errors.Is(err, tritonhttp.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return shutErr
}
