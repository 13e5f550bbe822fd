package labrpc

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync/atomic"
	"time"
)

// A ClientEnd is one client's end of a link to a server: on a simulated
// Network (MakeEnd) or over TCP (MakeTCPEnd).
type ClientEnd struct {
	endname interface{}
	net     *Network
	link    uint64        // hash of endname: the link's share of every fault decision
	seq     atomic.Uint64 // messages sent on this end
	tcp     *tcpClient    // non-nil for an end dialed to a real address
}

// The unreliable network's parameters (6.824-compatible).
const (
	maxShortDelayMs  = 27   // request delay when unreliable: [0, 27) ms
	dropPerMille     = 100  // request and reply drop probability when unreliable
	reorderPerMille  = 600  // out of 900: chance a reply is held back when reordering
	reorderBaseMs    = 200  // minimum long-reordering delay
	reorderSpreadMs  = 2000 // plus up to this much, skewed short
	longDelayMs      = 7000 // failure delay for an unreachable server with LongDelays
	shortFailDelayMs = 100  // failure delay for an unreachable server otherwise
	deadCheckPeriod  = 100 * time.Millisecond
)

// Seed returns a number derived from the network's seed and this end's
// name, for code that wants its own randomness (election timeouts) to
// replay under the test's seed without the test seeding it: a harness that
// names ends deterministically gets the same value for the same end in
// every run with that seed. An end dialed over TCP returns a fresh random
// number.
func (e *ClientEnd) Seed() int64 {
	if e.net == nil {
		return rand.Int64()
	}
	return int64(mix(e.net.seed, e.link))
}

// Call sends an RPC to the "Service.Method" handler of the end's server and
// waits for the reply. It returns true if a reply arrived (then *reply holds
// it) and false if the request or the reply was lost, the server is
// unreachable or was deleted. args and reply are copied by encoding, never
// shared. reply must be a non-nil pointer, and the method must exist on the
// server: both mistakes panic with a message that names them.
func (e *ClientEnd) Call(svcMeth string, args interface{}, reply interface{}) bool {
	replyV := reflect.ValueOf(reply)
	if replyV.Kind() != reflect.Pointer || replyV.IsNil() {
		panic(fmt.Sprintf("labrpc: Call(%q): reply must be a non-nil pointer, got %T", svcMeth, reply))
	}
	if e.tcp != nil {
		return e.tcp.call(svcMeth, args, replyV)
	}
	return e.net.call(e, svcMeth, args, replyV)
}

// call is the simulated network's half of Call. The order of the random
// draws below is fixed: changing it changes every seed's schedule.
func (rn *Network) call(e *ClientEnd, svcMeth string, args interface{}, replyV reflect.Value) bool {
	seq := e.seq.Add(1)
	r := newMsgRand(rn.seed, e.link, seq)
	shortDelay := r.intn(maxShortDelayMs)
	dropReq := r.intn(1000) < dropPerMille
	dropReply := r.intn(1000) < dropPerMille
	reorder := r.intn(900) < reorderPerMille
	reorderMs := reorderBaseMs + r.intn(1+r.intn(reorderSpreadMs))
	failMs := r.intn(longDelayMs)
	if !rn.longDelays.Load() {
		failMs = r.intn(shortFailDelayMs)
	}
	reliable := rn.reliable.Load()
	latency := time.Duration(rn.latency.Load())
	lastCall.Store(time.Now().UnixNano())

	rn.totalCount.Add(1)
	servername, rs, enabled := rn.route(e.endname)
	msg := msgTrace{tl: rn.tl.Load(), from: e.endname, to: servername, method: svcMeth, seq: seq, recv: -1, back: -1}
	if msg.tl != nil {
		msg.sent = msg.tl.since()
		msg.args = short(args)
	}
	if rs == nil || rn.stopped() {
		outcome := Unreachable
		if !enabled {
			outcome = Disabled
		}
		rn.emit(&msg, outcome)
		// Even a cleaned-up network is not instantaneous, so a client
		// retrying in a loop after Cleanup lets virtual time run.
		time.Sleep(latency)
		rn.sleep(time.Duration(failMs) * time.Millisecond)
		return false
	}

	m, err := rs.lookup(svcMeth)
	if err != nil {
		panic(err.Error()) // a programming error in the caller, not a network fault
	}
	argsV := reflect.New(m.argsType)
	size, err := copyValue(args, argsV, "args of "+svcMeth)
	if err != nil {
		panic(err.Error())
	}
	rn.totalBytes.Add(int64(size))
	msg.size = size

	if reliable {
		rn.sleep(latency)
	} else {
		rn.sleep(latency + time.Duration(shortDelay)*time.Millisecond)
		if dropReq {
			rn.emit(&msg, RequestDropped)
			return false
		}
	}

	rs.count.Add(1)
	if msg.tl != nil {
		msg.recv = msg.tl.since()
	}
	type invoked struct {
		reply reflect.Value
		err   error
	}
	done := make(chan invoked, 1)
	go func() {
		reply, err := m.invoke(argsV.Elem())
		done <- invoked{reply, err}
	}()

	var result reflect.Value
	var handlerErr error
	timer := time.NewTimer(deadCheckPeriod)
	for !result.IsValid() {
		select {
		case r := <-done:
			result, handlerErr = r.reply, r.err
		case <-timer.C:
			if !rn.stillRoutes(e.endname, rs) {
				timer.Stop()
				rn.emit(&msg, ServerDead)
				return false
			}
			timer.Reset(deadCheckPeriod)
		}
	}
	timer.Stop()
	if msg.tl != nil {
		msg.back = msg.tl.since()
		msg.reply = short(reflect.Indirect(result).Interface())
	}
	rn.sleep(latency) // the reply's way back

	switch {
	case !rn.stillRoutes(e.endname, rs):
		rn.emit(&msg, ServerDead)
		return false
	case !reliable && dropReply, handlerErr != nil:
		// A net/rpc-style handler's error reaches its caller as no reply.
		rn.emit(&msg, ReplyDropped)
		return false
	}
	outcome := Delivered
	if rn.longReordering.Load() && reorder {
		outcome = DeliveredLate
		rn.sleep(time.Duration(reorderMs) * time.Millisecond)
		// The reply was on the wire while it waited; but no positive reply
		// may arrive once DeleteServer has returned.
		if !rn.serverAlive(servername, rs) {
			rn.emit(&msg, ServerDead)
			return false
		}
	}
	n, err := copyValue(result.Interface(), replyV, "reply of "+svcMeth)
	if err != nil {
		panic(err.Error())
	}
	rn.totalBytes.Add(int64(n))
	rn.emit(&msg, outcome)
	return true
}

// lastCall is when the latest Call on any simulated network started (Unix
// ns, virtual time in a bubble).
var lastCall atomic.Int64

// LastCallTime returns when the latest Call on any simulated network of
// this process started (virtual time in a synctest bubble), or the zero
// Time. The test harness's watchdog reads it to tell a test whose virtual
// clock stopped from one that is merely slow.
func LastCallTime() time.Time {
	ns := lastCall.Load()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// sleep waits for d or until the network is cleaned up.
func (rn *Network) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-rn.done:
	}
}
