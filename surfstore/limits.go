package surfstore

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	grpcpeer "google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	_ "google.golang.org/grpc/encoding/proto" // registers the codec boundedCodec wraps
)

// What a server may spend on its clients. gRPC buffers a whole request
// before a handler sees it, and protobuf decodes it whole before a handler
// can count anything, so the bounds live here, before both: the receive
// cap of each server kind (BlockStoreServerOptions, MetaStoreServerOptions),
// a decode budget checked on the wire bytes (boundedCodec), calls in flight
// per peer and in total (admission), and connections per peer and in total
// (LimitListener). README, "Limits", has the measured peak memory.
const (
	// MaxBlockStoreMessage caps a request to a BlockStore: one block of
	// MaxBlockSize plus room for framing.
	MaxBlockStoreMessage = MaxBlockSize + 64<<10
	// MaxMetaStoreMessage caps a request to a MetaStore or a raft server:
	// an UpdateFile of MaxHashesPerFile hashes (66 bytes each on the wire,
	// 4.33 MB) with a name, or an AppendEntries batch of the same size.
	MaxMetaStoreMessage = MaxBlockSize + 512<<10
	// MaxCallsInFlight caps the calls one server runs at once (each may
	// hold a request of its receive cap and its decoded form).
	MaxCallsInFlight = 64
	// MaxCallsInFlightPerPeer caps the calls of one remote host, so a
	// single client cannot take every slot. A sync client keeps at most
	// maxTransfers block calls in flight, a raft leader one per peer.
	MaxCallsInFlightPerPeer = 16
	// MaxCallTime bounds a call from its headers to its reply, receiving
	// the request included, so a client that sends slowly is dropped.
	MaxCallTime = CallTimeout + 10*time.Second
)

// decodeCostPerField is what decoding one field costs beyond its bytes:
// a string header in a slice that grew by doubling, or a small struct.
// Measured: 10M empty hashes (20 MB on the wire) decoded into 554 MB.
const decodeCostPerField = 64

// boundedCodec is the proto codec with a decode budget: before decoding a
// request it walks the wire bytes (no allocation) and refuses one whose
// decoded form could exceed maxCost bytes. A 4 MiB message of empty
// strings would otherwise decode into ~120 MB.
type boundedCodec struct {
	encoding.CodecV2
	maxCost int
}

func newBoundedCodec(maxCost int) boundedCodec {
	return boundedCodec{CodecV2: encoding.GetCodecV2("proto"), maxCost: maxCost}
}

// Unmarshal checks data's decode cost, then decodes it as the proto codec
// does.
func (c boundedCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return c.CodecV2.Unmarshal(data, v)
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	b := buf.ReadOnlyData()
	cost, err := decodeCost(b, m.ProtoReflect().Descriptor(), 0)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "malformed %s: %v", m.ProtoReflect().Descriptor().Name(), err)
	}
	if cost > c.maxCost {
		return status.Errorf(codes.ResourceExhausted, "%s would take %d bytes to decode, more than %d: too many fields", m.ProtoReflect().Descriptor().Name(), cost, c.maxCost)
	}
	return proto.Unmarshal(b, m)
}

// decodeCost is an upper bound on the memory decoding b as md allocates
// (b itself aside): decodeCostPerField for every field, the bytes of every
// string or bytes field, and 8 bytes for each byte of a packed list, whose
// elements widen to 8 bytes.
func decodeCost(b []byte, md protoreflect.MessageDescriptor, depth int) (int, error) {
	if depth > 8 {
		return 0, errors.New("messages nested too deep")
	}
	cost := 0
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, protowire.ParseError(n)
		}
		b = b[n:]
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return 0, protowire.ParseError(n)
		}
		cost += decodeCostPerField
		if fd := md.Fields().ByNumber(num); fd != nil && typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(b[:n])
			switch {
			case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
				sub, err := decodeCost(v, fd.Message(), depth+1)
				if err != nil {
					return 0, err
				}
				cost += sub
			case fd.Kind() == protoreflect.StringKind || fd.Kind() == protoreflect.BytesKind:
				cost += len(v)
			default:
				cost += 8 * len(v) // packed scalars
			}
		}
		b = b[n:]
	}
	return cost, nil
}

// admission counts the calls in flight, per remote host and in total.
// It runs as gRPC's tap handle, on a stream's headers, before any of its
// request is read: a call over either cap is refused at once with
// ResourceExhausted (the tap may not block: it runs on the connection's
// reader). Each admitted call gets a deadline of MaxCallTime and gives its
// slot back when its stream ends.
type admission struct {
	mu      sync.Mutex
	total   int
	perPeer map[string]int
}

func (a *admission) tap(ctx context.Context, info *tap.Info) (context.Context, error) {
	host := peerHost(ctx)
	a.mu.Lock()
	if a.total >= MaxCallsInFlight || a.perPeer[host] >= MaxCallsInFlightPerPeer {
		total, mine := a.total, a.perPeer[host]
		a.mu.Unlock()
		return nil, status.Errorf(codes.ResourceExhausted, "server busy: %d calls in flight (%d from %s); try again", total, mine, host)
	}
	a.total++
	a.perPeer[host]++
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, MaxCallTime)
	context.AfterFunc(ctx, func() {
		cancel()
		a.mu.Lock()
		a.total--
		if a.perPeer[host]--; a.perPeer[host] == 0 {
			delete(a.perPeer, host)
		}
		a.mu.Unlock()
	})
	return ctx, nil
}

// peerHost is the host of the call's remote address ("" if unknown): the
// unit of the per-peer caps.
func peerHost(ctx context.Context) string {
	p, ok := grpcpeer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	return hostOf(p.Addr)
}

// hostOf is addr without its port.
func hostOf(addr net.Addr) string {
	if host, _, err := net.SplitHostPort(addr.String()); err == nil {
		return host
	}
	return addr.String()
}

// maxDecodeCost is the decode budget of a request under a receive cap of
// maxRecv: twice the cap, which a file of MaxHashesPerFile hashes (64
// bytes of string and decodeCostPerField each, 8.4 MB) fits.
func maxDecodeCost(maxRecv int) int { return 2 * maxRecv }

// limitOptions are the options serverOptions adds for a receive cap of
// maxRecv bytes.
func limitOptions(maxRecv int) []grpc.ServerOption {
	a := &admission{perPeer: map[string]int{}}
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxRecv),
		grpc.ForceServerCodecV2(newBoundedCodec(maxDecodeCost(maxRecv))),
		grpc.InTapHandle(a.tap),
	}
}
