package labrpc

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// A Network connects client ends to servers and decides, per message, what
// the network does to it. All methods are safe for concurrent use.
type Network struct {
	seed uint64

	mu          sync.Mutex
	ends        map[interface{}]*ClientEnd  // endname -> end
	enabled     map[interface{}]bool        // endname -> enabled
	connections map[interface{}]interface{} // endname -> servername
	servers     map[interface{}]*Server     // servername -> server
	endHost     map[interface{}]string      // endname -> host it belongs to (MakeEndFrom)
	groups      map[string]int              // host -> partition group; nil when healed
	topo        chan struct{}               // closed and replaced when the partition changes

	reliable       atomic.Bool
	latency        atomic.Int64 // one-way delay of every message, in ns
	longDelays     atomic.Bool
	longReordering atomic.Bool

	totalCount atomic.Int64
	totalBytes atomic.Int64

	trace atomic.Pointer[func(Event)]
	tl    atomic.Pointer[Timeline] // nil unless the run is recorded (timeline.go)

	streams streamState

	done     chan struct{} // closed by Cleanup
	doneOnce sync.Once
}

// MakeNetwork returns a reliable network with no ends and no servers, seeded
// from the package default seed (which the test harness sets per test).
func MakeNetwork() *Network {
	return MakeNetworkSeed(int64(nextNetworkSeed()))
}

// MakeNetworkSeed returns a network whose every random decision derives
// from seed.
func MakeNetworkSeed(seed int64) *Network {
	rn := &Network{
		seed:        uint64(seed),
		ends:        map[interface{}]*ClientEnd{},
		enabled:     map[interface{}]bool{},
		connections: map[interface{}]interface{}{},
		servers:     map[interface{}]*Server{},
		endHost:     map[interface{}]string{},
		done:        make(chan struct{}),
	}
	rn.reliable.Store(true)
	rn.latency.Store(int64(DefaultLatency))
	rn.streams.init()
	rn.tl.Store(defaultTimeline.Load())
	return rn
}

// Seed returns the network's seed.
func (rn *Network) Seed() int64 { return int64(rn.seed) }

// Cleanup stops the network: calls in flight and future calls fail, stream
// connections are reset, listeners closed, and every goroutine labrpc
// started for this network exits. Handlers already running are not
// interrupted (they belong to the code under test).
func (rn *Network) Cleanup() {
	rn.doneOnce.Do(func() { close(rn.done) })
	rn.streams.shutdown(rn)
}

// DefaultLatency is the one-way delay of every RPC message (request and
// reply) on a new Network, reliable or not. Real networks are never
// instantaneous, and code relies on that without knowing: a client that
// retries in a loop without sleeping lets the clock run because each try
// takes time. In a synctest bubble a zero-delay RPC would not, and such a
// loop would freeze virtual time for good.
const DefaultLatency = 500 * time.Microsecond

// SetLatency sets the one-way delay of every RPC message (0: instantaneous,
// as the 6.824 labrpc's reliable network).
func (rn *Network) SetLatency(d time.Duration) { rn.latency.Store(int64(max(d, 0))) }

// Reliable sets whether messages may be delayed and dropped (beyond the
// latency every message has).
func (rn *Network) Reliable(yes bool) { rn.reliable.Store(yes) }

// LongReordering sets whether replies may be delayed by up to seconds.
func (rn *Network) LongReordering(yes bool) { rn.longReordering.Store(yes) }

// LongDelays sets whether calls to unreachable servers take up to 7 s to
// fail (instead of up to 100 ms).
func (rn *Network) LongDelays(yes bool) { rn.longDelays.Store(yes) }

// MakeEnd creates a client end. A new end is unconnected and disabled.
// Reusing a name is a programming error and panics. Names should be
// deterministic (not random strings): an end's fault schedule derives from
// the network seed and its name.
func (rn *Network) MakeEnd(endname interface{}) *ClientEnd {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if _, ok := rn.ends[endname]; ok {
		panic(fmt.Sprintf("labrpc: MakeEnd: end %v already exists", endname))
	}
	e := &ClientEnd{endname: endname, net: rn, link: hashName(endname)}
	rn.ends[endname] = e
	rn.enabled[endname] = false
	return e
}

// MakeEndFrom is MakeEnd for an end that belongs to host, so that Partition
// can enable or disable it by the groups of host and of its server.
func (rn *Network) MakeEndFrom(endname interface{}, host string) *ClientEnd {
	e := rn.MakeEnd(endname)
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.endHost[endname] = host
	return e
}

// AddServer makes rs reachable under servername, replacing any server of
// that name.
func (rn *Network) AddServer(servername interface{}, rs *Server) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.servers[servername] = rs
	rn.recordServer(servername, "start")
}

// DeleteServer removes a server. Calls in flight to it fail: none of them
// returns a positive reply after this returns.
func (rn *Network) DeleteServer(servername interface{}) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.servers[servername] = nil
	rn.recordServer(servername, "delete")
}

// Connect connects an end to a server name (once per end; the server may be
// added later).
func (rn *Network) Connect(endname, servername interface{}) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.connections[endname] = servername
	rn.recordLinkLocked(endname, "connect")
}

// Enable enables or disables an end.
func (rn *Network) Enable(endname interface{}, enabled bool) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if rn.enabled[endname] != enabled {
		link := "down"
		if enabled {
			link = "up"
		}
		rn.recordLinkLocked(endname, link)
	}
	rn.enabled[endname] = enabled
}

// GetCount reports how many RPCs were delivered to a server.
func (rn *Network) GetCount(servername interface{}) int {
	rn.mu.Lock()
	rs := rn.servers[servername]
	rn.mu.Unlock()
	if rs == nil {
		return 0
	}
	return rs.GetCount()
}

// GetTotalCount reports how many RPCs were sent on the network.
func (rn *Network) GetTotalCount() int { return int(rn.totalCount.Load()) }

// GetTotalBytes reports the request bytes sent plus the reply bytes
// delivered on the network.
func (rn *Network) GetTotalBytes() int64 { return rn.totalBytes.Load() }

// route returns the server an end reaches right now (nil if none) and
// whether the end is enabled and not cut off by a partition.
func (rn *Network) route(endname interface{}) (servername interface{}, rs *Server, enabled bool) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	servername = rn.connections[endname]
	enabled = rn.enabled[endname]
	if host, ok := rn.endHost[endname]; ok && enabled {
		enabled = rn.sameGroupLocked(host, fmt.Sprint(servername))
	}
	if !enabled || servername == nil {
		return servername, nil, enabled
	}
	return servername, rn.servers[servername], true
}

// stillRoutes reports whether endname still reaches rs (the end is enabled
// and the server has not been deleted or replaced).
func (rn *Network) stillRoutes(endname interface{}, rs *Server) bool {
	_, cur, _ := rn.route(endname)
	return cur == rs && !rn.stopped()
}

// serverAlive reports whether servername is still rs (not deleted or
// replaced) and the network is running.
func (rn *Network) serverAlive(servername interface{}, rs *Server) bool {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	return rn.servers[servername] == rs && !rn.stopped()
}

func (rn *Network) stopped() bool {
	select {
	case <-rn.done:
		return true
	default:
		return false
	}
}
