package tapestry

// The test harness's few uses of this package's own API, where course
// code spells things otherwise (DIGITS is a constant there, a node starts
// with Start(id, port, connectTo), the routing table has no Slot). The
// tests call only these and the names both share; a port of course code
// replaces this file with test/port/tapestry/testdata/adapter.go, which defines the same
// names on the course's API (README, "Porting course code"). Nothing but
// the tests uses it.

import (
	"context"
	"net"

	"google.golang.org/grpc"
)

// meshNet is the tests' network (a *labrpc.Network): stream listeners and
// dials between named hosts.
type meshNet interface {
	Listen(addr string) (net.Listener, error)
	DialContext(ctx context.Context, from, addr string) (net.Conn, error)
}

// connIdle is how long a connection may stay unused before the node
// closes it; the harness pauses longer between joins, as would happen.
const connIdle = IdleTimeout

// useIDs makes IDs digits base-base digits long until the returned function is
// called.
func useIDs(digits, base int) (restore func()) {
	oldD, oldB := DIGITS, BASE
	DIGITS, BASE = digits, base
	return func() { DIGITS, BASE = oldD, oldB }
}

// useNetwork readies rn for the nodes to come; the reference needs
// nothing (startNode gives each node its listener and dialer).
func useNetwork(rn meshNet) (restore func()) { return func() {} }

// startNode starts a node with id whose server listens on host of rn and
// calls count for every RPC it serves, joining through connectTo (none if
// empty).
func startNode(rn meshNet, id ID, host, connectTo string, count grpc.UnaryServerInterceptor) (*Node, error) {
	lis, err := rn.Listen(host + ":1")
	if err != nil {
		return nil, err
	}
	dial := func(ctx context.Context, addr string) (net.Conn, error) {
		return rn.DialContext(ctx, host, addr)
	}
	return StartOn(id, lis, connectTo,
		WithDialOptions(grpc.WithContextDialer(dial)),
		WithServerOptions(grpc.ChainUnaryInterceptor(count)))
}

// slotOf is what slot (level, d) of t holds, closest first.
func slotOf(t *RoutingTable, level int, d Digit) []RemoteNode { return t.Slot(level, d) }

// nextHop is t's next hop toward id from level on, and the level it was
// found at.
func nextHop(t *RoutingTable, id ID, level int) (RemoteNode, int) { return t.FindNextHop(id, level) }
