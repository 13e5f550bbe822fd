package grpc

import (
	"context"
	"net"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	coursenet "distlabs/test/port/net"
)

// grpc's types, unchanged.
type (
	// ClientConn is grpc.ClientConn.
	ClientConn = grpc.ClientConn
	// ClientConnInterface is grpc.ClientConnInterface.
	ClientConnInterface = grpc.ClientConnInterface
	// Server is grpc.Server.
	Server = grpc.Server
	// ServerOption is grpc.ServerOption.
	ServerOption = grpc.ServerOption
	// DialOption is grpc.DialOption.
	DialOption = grpc.DialOption
	// CallOption is grpc.CallOption.
	CallOption = grpc.CallOption
	// UnaryInvoker is grpc.UnaryInvoker.
	UnaryInvoker = grpc.UnaryInvoker
	// UnaryClientInterceptor is grpc.UnaryClientInterceptor.
	UnaryClientInterceptor = grpc.UnaryClientInterceptor
	// UnaryServerInterceptor is grpc.UnaryServerInterceptor.
	UnaryServerInterceptor = grpc.UnaryServerInterceptor
	// UnaryServerInfo is grpc.UnaryServerInfo.
	UnaryServerInfo = grpc.UnaryServerInfo
	// UnaryHandler is grpc.UnaryHandler.
	UnaryHandler = grpc.UnaryHandler
	// ServiceRegistrar is grpc.ServiceRegistrar.
	ServiceRegistrar = grpc.ServiceRegistrar
	// ServiceDesc is grpc.ServiceDesc.
	ServiceDesc = grpc.ServiceDesc
	// MethodDesc is grpc.MethodDesc.
	MethodDesc = grpc.MethodDesc
	// StreamDesc is grpc.StreamDesc.
	StreamDesc = grpc.StreamDesc
	// ServerStream is grpc.ServerStream.
	ServerStream = grpc.ServerStream
	// ClientStream is grpc.ClientStream.
	ClientStream = grpc.ClientStream
)

// The generated code's version checks.
const (
	SupportPackageIsVersion7 = grpc.SupportPackageIsVersion7
	SupportPackageIsVersion8 = grpc.SupportPackageIsVersion8
	SupportPackageIsVersion9 = grpc.SupportPackageIsVersion9
)

// grpc's options, unchanged.
var (
	// WithTransportCredentials is grpc.WithTransportCredentials.
	WithTransportCredentials = grpc.WithTransportCredentials
	// WithUnaryInterceptor is grpc.WithUnaryInterceptor.
	WithUnaryInterceptor = grpc.WithUnaryInterceptor
	// WithChainUnaryInterceptor is grpc.WithChainUnaryInterceptor.
	WithChainUnaryInterceptor = grpc.WithChainUnaryInterceptor
	// WithDefaultCallOptions is grpc.WithDefaultCallOptions.
	WithDefaultCallOptions = grpc.WithDefaultCallOptions
	// WithContextDialer is grpc.WithContextDialer.
	WithContextDialer = grpc.WithContextDialer
	// UnaryInterceptor is grpc.UnaryInterceptor.
	UnaryInterceptor = grpc.UnaryInterceptor
	// ChainUnaryInterceptor is grpc.ChainUnaryInterceptor.
	ChainUnaryInterceptor = grpc.ChainUnaryInterceptor
	// MaxCallRecvMsgSize is grpc.MaxCallRecvMsgSize.
	MaxCallRecvMsgSize = grpc.MaxCallRecvMsgSize
	// MaxCallSendMsgSize is grpc.MaxCallSendMsgSize.
	MaxCallSendMsgSize = grpc.MaxCallSendMsgSize
	// StaticMethod is grpc.StaticMethod.
	StaticMethod = grpc.StaticMethod
)

// WithInsecure is grpc.WithInsecure (deprecated there): no transport
// security.
func WithInsecure() DialOption {
	return grpc.WithTransportCredentials(insecure.NewCredentials())
}

// WithBlock does nothing here: Dial connects at the first call.
func WithBlock() DialOption { return grpc.EmptyDialOption{} }

// FailOnNonTempDialError does nothing here: Dial connects at the first call.
func FailOnNonTempDialError(bool) DialOption { return grpc.EmptyDialOption{} }

// WithTimeout does nothing here: Dial connects at the first call, under
// the call's deadline.
func WithTimeout(time.Duration) DialOption { return grpc.EmptyDialOption{} }

// serverOpts are the options NewServer adds (Use).
var serverOpts struct {
	mu   sync.Mutex
	opts []ServerOption
}

// Use makes NewServer add opts until the returned function is called.
func Use(opts ...ServerOption) (restore func()) {
	serverOpts.mu.Lock()
	defer serverOpts.mu.Unlock()
	serverOpts.opts = append([]ServerOption(nil), opts...)
	return func() {
		serverOpts.mu.Lock()
		defer serverOpts.mu.Unlock()
		serverOpts.opts = nil
	}
}

// NewServer is grpc.NewServer with the options of Use after opts.
func NewServer(opts ...ServerOption) *Server {
	serverOpts.mu.Lock()
	extra := serverOpts.opts
	serverOpts.mu.Unlock()
	return grpc.NewServer(append(append([]ServerOption(nil), opts...), extra...)...)
}

// Dial is DialContext without a context.
func Dial(target string, opts ...DialOption) (*ClientConn, error) {
	return DialContext(context.Background(), target, opts...)
}

// DialContext makes a client connection to target ("host:port") whose
// streams come from coursenet; it connects at the first call.
func DialContext(_ context.Context, target string, opts ...DialOption) (*ClientConn, error) {
	if !strings.Contains(target, ":///") {
		target = "passthrough:///" + target
	}
	dial := func(ctx context.Context, addr string) (net.Conn, error) {
		return coursenet.DialContext(ctx, "tcp", addr)
	}
	return grpc.NewClient(target, append(append([]DialOption(nil), opts...), grpc.WithContextDialer(dial))...)
}

// NewClient is DialContext.
func NewClient(target string, opts ...DialOption) (*ClientConn, error) {
	return DialContext(context.Background(), target, opts...)
}
