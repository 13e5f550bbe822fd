package viewservice

import "time"

// A View says who serves the key/value service. Views are numbered from 1;
// View{} (Viewnum 0) is the empty view before any server pinged. Primary and
// Backup are server names; "" means none.
type View struct {
	Viewnum uint
	Primary string
	Backup  string
}

// Timing of the protocol.
const (
	// PingInterval is how often every server pings the view service.
	PingInterval = 100 * time.Millisecond
	// DeadPings is how many intervals a server may miss in a row before the
	// view service considers it dead.
	DeadPings = 5
)

// PingArgs is the request of ViewServer.Ping: Me is the pinging server's
// name and Viewnum the number of the latest view it has seen and acted on
// (0 after a start or a restart).
type PingArgs struct {
	Me      string
	Viewnum uint
}

// PingReply carries the view service's current view.
type PingReply struct {
	View View
}

// GetArgs is the request of ViewServer.Get: it has no fields.
type GetArgs struct{}

// GetReply carries the view service's current view.
type GetReply struct {
	View View
}
