package tapestry

// The kit adapter of a port of CS 138 Tapestry code (2021-2022 handouts:
// Node with the exported fields Node, Table, Backpointers and
// LocationsByKey; Start(id, port, connectTo); RoutingTable.Rows). The
// harness uses a few names the course's API lacks; this file gives them on
// the course's API, in place of our kit.go. test/port/tapestry/port.sh copies
// it into a port as kit.go. It is ours, not the student's: it reads the course's
// structures as the handout defines them.

import (
	"context"
	"net"
	"time"

	"google.golang.org/grpc"

	coursegrpc "distlabs/test/port/grpc"
	coursenet "distlabs/test/port/net"
)

// meshNet is the tests' network (a *labrpc.Network).
type meshNet interface {
	Listen(addr string) (net.Listener, error)
	DialContext(ctx context.Context, from, addr string) (net.Conn, error)
}

// connIdle: course code keeps its connections open; the harness still
// pauses between joins.
const connIdle = time.Second

// useIDs does nothing: DIGITS and BASE are constants of the course's code
// (40 hex digits), so ported code runs every test with 40-digit hex IDs.
func useIDs(digits, base int) (restore func()) { return func() {} }

// useNetwork routes the course's net.Listen and grpc.Dial (through the
// coursenet and coursegrpc import changes) to rn; restoring closes the
// course's package-level connections, which must not outlive the test's
// network.
func useNetwork(rn meshNet) (restore func()) {
	unuse := coursenet.Use(rn)
	return func() {
		CloseAllConnections()
		unuse()
	}
}

// startNode starts a course node with id, listening on host of the
// network of useNetwork, whose server calls count for every RPC it serves.
func startNode(rn meshNet, id ID, host, connectTo string, count grpc.UnaryServerInterceptor) (*Node, error) {
	coursenet.ListenOn(host)
	defer coursegrpc.Use(grpc.ChainUnaryInterceptor(count))()
	return Start(id, 0, connectTo)
}

// slotOf is what slot (level, d) of t holds.
func slotOf(t *RoutingTable, level int, d Digit) []RemoteNode {
	t.mutex.Lock()
	defer t.mutex.Unlock()
	return append([]RemoteNode(nil), t.Rows[level][d]...)
}

// nextHop is t's next hop toward id from level on; the course's
// FindNextHop does not say at which level it found it (-1).
func nextHop(t *RoutingTable, id ID, level int) (RemoteNode, int) {
	return t.FindNextHop(id, int32(level)), -1
}
