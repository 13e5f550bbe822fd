// Command server runs a surfstore MetaStore, BlockStore, or both, over TCP:
//
//	server -s meta|block|both [-p PORT] [-l] [-d] [blockStoreAddr...]
//
// A MetaStore needs the BlockStore addresses as arguments (with -s both and
// none given, its own BlockStore is the only one, named localhost:PORT, so
// its clients must run on the same host). The first line on
// stdout is "listening on ADDR" (useful with -p 0, which picks a free
// port). SIGINT or SIGTERM stops the server gracefully. Bad flags exit 2
// with a one-line reason.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"distlabs/surfstore"
	"distlabs/surfstore/internal/cliargs"
)

type options struct {
	service   string
	port      int
	localOnly bool
	logger    *log.Logger
	blocks    []string
}

func parse(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	// Errors come back as one line (Exit); the usage only for -h.
	fs.SetOutput(io.Discard)
	service := fs.String("s", "", "the service to run: meta (a MetaStore), block (a BlockStore) or both, on one port (required)")
	port := fs.Int("p", 8080, "TCP `port` to listen on (0 picks a free one)")
	local := fs.Bool("l", false, "listen on localhost only (127.0.0.1) instead of every interface")
	debug := fs.Bool("d", false, "debug: log every call to stderr")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: server -s meta|block|both [-p PORT] [-l] [-d] [blockStoreAddr...]\n\n"+
			"server runs a surfstore MetaStore, BlockStore or both over gRPC. A MetaStore places\n"+
			"blocks on the BlockStores given as host:port arguments (consistent hashing); with\n"+
			"-s both and no arguments it uses its own BlockStore.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
		}
		return options{}, err
	}
	o := options{service: *service, port: *port, localOnly: *local, blocks: fs.Args(), logger: log.New(io.Discard, "", 0)}
	if *debug {
		o.logger = log.New(stderr, "server: ", log.Lmicroseconds)
	}
	switch o.service {
	case "":
		return options{}, errors.New("-s meta|block|both is required")
	case "meta":
		if len(o.blocks) == 0 {
			return options{}, errors.New("-s meta needs at least one blockStoreAddr argument")
		}
	case "block":
		if len(o.blocks) > 0 {
			return options{}, fmt.Errorf("-s block takes no blockStoreAddr arguments, got %q", o.blocks)
		}
	case "both":
	default:
		return options{}, fmt.Errorf("-s %q: want meta, block or both", o.service)
	}
	if o.port < 0 || o.port > 65535 {
		return options{}, fmt.Errorf("-p %d: want a port in 0..65535", o.port)
	}
	for _, a := range o.blocks {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return options{}, fmt.Errorf("blockStoreAddr %q: want host:port", a)
		}
	}
	return o, nil
}

func main() {
	o, err := parse(os.Args[1:], os.Stderr)
	if err != nil {
		cliargs.Exit("server", err)
	}
	if err := serve(o); err != nil {
		fmt.Fprintf(os.Stderr, "server: %v\n", err)
		os.Exit(1)
	}
}

func serve(o options) error {
	host := ""
	if o.localOnly {
		host = "127.0.0.1"
	}
	// Connections capped in total (below the fd limit) and per host.
	l, err := surfstore.Listen(net.JoinHostPort(host, strconv.Itoa(o.port)))
	if err != nil {
		return err
	}
	// With -s both and no blockStoreAddr, the MetaStore names its own
	// BlockStore: a name that works for clients on this host.
	self := "localhost:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	// Each kind gets the receive cap its requests need: a block and a
	// little for a BlockStore, a file's hash list for a MetaStore.
	var opts []grpc.ServerOption
	switch o.service {
	case "block":
		opts = surfstore.BlockStoreServerOptions()
	case "meta":
		opts = surfstore.MetaStoreServerOptions()
	default:
		opts = surfstore.ServerOptions()
	}
	opts = append(opts, grpc.ChainUnaryInterceptor(logCalls(o.logger)))
	srv := grpc.NewServer(opts...)
	if o.service == "block" || o.service == "both" {
		surfstore.RegisterBlockStoreServer(srv, surfstore.NewBlockStore())
	}
	if o.service == "meta" || o.service == "both" {
		blocks := o.blocks
		if len(blocks) == 0 {
			blocks = []string{self}
		}
		o.logger.Printf("MetaStore with BlockStores %q", blocks)
		surfstore.RegisterMetaStoreServer(srv, surfstore.NewMetaStore(blocks))
	}
	fmt.Printf("listening on %s\n", l.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return err
	case sig := <-stop:
		o.logger.Printf("%v: stopping", sig)
	}
	// Let calls in flight finish, but not for ever.
	done := make(chan struct{})
	go func() { srv.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		srv.Stop()
	}
	return <-served
}

// logCalls logs each call's method, duration and error.
func logCalls(l *log.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		l.Printf("%s %v err=%v", info.FullMethod, time.Since(start), err)
		return resp, err
	}
}
