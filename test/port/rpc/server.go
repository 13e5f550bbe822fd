package rpc

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"reflect"
	"strings"
	"sync"
)

// registry maps a service name to the net/rpc server that runs its
// handlers.
var registry = struct {
	sync.Mutex
	servers map[string]*rpc.Server
}{servers: map[string]*rpc.Server{}}

// Server is a set of registered services, as net/rpc's Server is. Every
// Server shares the process's registry: the course registers each node
// under its own address, so the names do not collide.
type Server struct{}

// NewServer returns a server.
func NewServer() *Server { return &Server{} }

// DefaultServer is the server of the package-level functions.
var DefaultServer = NewServer()

// Register publishes rcvr's methods under the name of its type.
func (s *Server) Register(rcvr any) error {
	return s.RegisterName(reflect.Indirect(reflect.ValueOf(rcvr)).Type().Name(), rcvr)
}

// RegisterName publishes rcvr's methods (those of net/rpc's shape) under
// name, replacing what an earlier registration of name published.
func (s *Server) RegisterName(name string, rcvr any) error {
	srv := rpc.NewServer()
	if err := srv.RegisterName(name, rcvr); err != nil {
		return fmt.Errorf("rpc: register %q: %w", name, err)
	}
	registry.Lock()
	registry.servers[name] = srv
	registry.Unlock()
	return nil
}

// Accept accepts connections on lis until it is closed. On the simulated
// network none arrives (calls come through Host), so it only waits.
func (s *Server) Accept(lis net.Listener) {
	for {
		conn, err := lis.Accept()
		if err != nil {
			return
		}
		s.ServeConn(conn)
	}
}

// ServeConn serves one connection; on the simulated network there are
// none, so it closes the one it is given.
func (s *Server) ServeConn(conn io.ReadWriteCloser) {
	_ = conn.Close() // nothing to report to: net/rpc's ServeConn returns nothing either
}

// Register publishes rcvr on DefaultServer.
func Register(rcvr any) error { return DefaultServer.Register(rcvr) }

// RegisterName publishes rcvr on DefaultServer under name.
func RegisterName(name string, rcvr any) error { return DefaultServer.RegisterName(name, rcvr) }

// Accept accepts connections on lis for DefaultServer.
func Accept(lis net.Listener) { DefaultServer.Accept(lis) }

// ServeConn serves conn for DefaultServer.
func ServeConn(conn io.ReadWriteCloser) { DefaultServer.ServeConn(conn) }

// Host is the labrpc service that receives every call made to one
// address; the harness serves it there (labrpc.MakeService(&rpc.Host{})).
type Host struct{}

// Serve runs one call: it finds the server registered under the call's
// service name and lets net/rpc decode the arguments, run the handler and
// encode the reply. A call to a name nobody registered (a node that is not
// listening yet) answers net/rpc's error.
func (h *Host) Serve(req *Request, resp *Response) error {
	dot := strings.LastIndex(req.ServiceMethod, ".")
	if dot < 0 {
		resp.Error = fmt.Sprintf("rpc: service/method request ill-formed: %s", req.ServiceMethod)
		return nil
	}
	registry.Lock()
	srv := registry.servers[req.ServiceMethod[:dot]]
	registry.Unlock()
	if srv == nil {
		resp.Error = "rpc: can't find service " + req.ServiceMethod
		return nil
	}
	codec := &oneCall{req: req}
	if err := srv.ServeRequest(codec); err != nil && codec.err == "" {
		resp.Error = err.Error()
		return nil
	}
	resp.Reply, resp.Error = codec.reply, codec.err
	return nil
}

// oneCall is a net/rpc server codec that reads one request and keeps its
// response.
type oneCall struct {
	req   *Request
	read  bool
	reply []byte
	err   string
}

func (c *oneCall) ReadRequestHeader(r *rpc.Request) error {
	if c.read {
		return io.EOF
	}
	c.read = true
	r.ServiceMethod, r.Seq = c.req.ServiceMethod, 0
	return nil
}

func (c *oneCall) ReadRequestBody(body any) error {
	if body == nil { // net/rpc discards the body of a request it refused
		return nil
	}
	if err := gob.NewDecoder(bytes.NewReader(c.req.Args)).Decode(body); err != nil {
		return fmt.Errorf("rpc: decoding the arguments of %s: %w", c.req.ServiceMethod, err)
	}
	return nil
}

func (c *oneCall) WriteResponse(r *rpc.Response, body any) error {
	if r.Error != "" {
		c.err = r.Error
		return nil
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(body); err != nil {
		c.err = fmt.Sprintf("rpc: encoding the reply of %s: %v", c.req.ServiceMethod, err)
		return nil
	}
	c.reply = buf.Bytes()
	return nil
}

func (c *oneCall) Close() error { return nil }
