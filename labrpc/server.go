package labrpc

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// A Server is a collection of services, reachable under one server name on a
// Network (AddServer) or on a real listener (Serve).
type Server struct {
	mu       sync.Mutex
	services map[string]*Service
	count    atomic.Int64 // RPCs delivered to this server
}

// MakeServer returns an empty Server.
func MakeServer() *Server {
	return &Server{services: map[string]*Service{}}
}

// AddService makes svc's methods callable as "Name.Method".
func (rs *Server) AddService(svc *Service) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.services[svc.name] = svc
}

// GetCount reports the number of RPCs delivered to this server.
func (rs *Server) GetCount() int {
	return int(rs.count.Load())
}

// lookup finds the method for "Service.Method", or explains what exists.
func (rs *Server) lookup(svcMeth string) (*method, error) {
	dot := strings.LastIndexByte(svcMeth, '.')
	if dot < 0 {
		return nil, fmt.Errorf("labrpc: %q is not of the form Service.Method", svcMeth)
	}
	svcName, methName := svcMeth[:dot], svcMeth[dot+1:]
	rs.mu.Lock()
	svc := rs.services[svcName]
	var known []string
	if svc == nil {
		for name := range rs.services {
			known = append(known, name)
		}
	}
	rs.mu.Unlock()
	if svc == nil {
		sort.Strings(known)
		return nil, fmt.Errorf("labrpc: unknown service %q in call to %q; this server has services %v",
			svcName, svcMeth, known)
	}
	m := svc.methods[methName]
	if m == nil {
		return nil, fmt.Errorf("labrpc: unknown method %q; service %s has methods %v (a handler must be an "+
			"exported method func(args T, reply *R) with no results)", svcMeth, svcName, svc.methodNames())
	}
	return m, nil
}

// A Service is the set of RPC handlers of one receiver object.
type Service struct {
	name    string
	rcvr    reflect.Value
	methods map[string]*method
}

type method struct {
	rcvr      reflect.Value
	fn        reflect.Method
	argsType  reflect.Type // as the handler declares it
	replyType reflect.Type // the element type of the handler's reply pointer
}

// errorType is the type of a net/rpc-style handler's result.
var errorType = reflect.TypeFor[error]()

// MakeService returns a Service named after rcvr's type (so a *Raft receiver
// gives the service "Raft"). Its handlers are rcvr's exported methods of the
// form func(args T, reply *R), with no results or, as net/rpc handlers
// (the 2015 labs) have, one error result; other methods are ignored. A
// handler that returns a non-nil error ran, but its caller gets no reply:
// Call returns false, as the 2015 call() did.
func MakeService(rcvr interface{}) *Service {
	svc := &Service{
		rcvr:    reflect.ValueOf(rcvr),
		name:    reflect.Indirect(reflect.ValueOf(rcvr)).Type().Name(),
		methods: map[string]*method{},
	}
	t := reflect.TypeOf(rcvr)
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		mt := m.Type
		if m.PkgPath != "" || mt.NumIn() != 3 || mt.In(2).Kind() != reflect.Pointer ||
			mt.NumOut() > 1 || mt.NumOut() == 1 && mt.Out(0) != errorType {
			continue // not a handler
		}
		svc.methods[m.Name] = &method{
			rcvr: svc.rcvr, fn: m, argsType: mt.In(1), replyType: mt.In(2).Elem(),
		}
	}
	return svc
}

func (svc *Service) methodNames() []string {
	names := make([]string, 0, len(svc.methods))
	for n := range svc.methods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// invoke runs the handler with args decoded from the caller's value and
// returns the reply value (a pointer), and the error a net/rpc-style
// handler returned.
func (m *method) invoke(args reflect.Value) (reflect.Value, error) {
	reply := reflect.New(m.replyType)
	out := m.fn.Func.Call([]reflect.Value{m.rcvr, args, reply})
	if len(out) == 1 && !out[0].IsNil() {
		return reply, out[0].Interface().(error)
	}
	return reply, nil
}
