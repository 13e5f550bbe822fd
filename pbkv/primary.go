//solution:file B

package pbkv

import (
	"fmt"
	"maps"
	"time"

	"distlabs/labrpc"
	"distlabs/viewservice"
)

// resendPause is the pause between resends of a forward that got no reply:
// the network's own delays are this order, and without a pause a lost
// backup would be called in a tight loop.
const resendPause = 10 * time.Millisecond

// A request is a client operation waiting for the worker.
type request struct {
	op         string // opGet, opPut or opAppend
	key, value string
	client     int64
	seq        int64
	// result receives exactly one answer; buffered so the worker never
	// blocks on a handler that gave up (Kill).
	result chan result
}

// result is the worker's answer to a request.
type result struct {
	err   Err
	value string
}

// submit hands r to the worker and waits for its answer.
func (pb *PBServer) submit(r *request) result {
	r.result = make(chan result, 1)
	select {
	case pb.requests <- r:
	case <-pb.done:
		return result{err: ErrWrongServer}
	}
	select {
	case res := <-r.result:
		return res
	case <-pb.done:
		return result{err: ErrWrongServer}
	}
}

// worker serves requests and adopts new views, one at a time, until Kill.
func (pb *PBServer) worker() {
	defer pb.wg.Done()
	for {
		select {
		case <-pb.done:
			return
		case v := <-pb.views:
			pb.adopt(v)
		case r := <-pb.requests:
			r.result <- pb.serve(r)
		}
		if pb.next != nil {
			v := *pb.next
			pb.next = nil
			pb.adopt(v)
		}
	}
}

// adopt makes v the view this server acts on, if the rules allow:
//   - a server becomes primary only if it already was, or was the synced
//     backup of its view, or v is the service's first view and the server
//     is fresh: a restarted server must not serve an empty store;
//   - a primary with a backup in v first transfers its whole state; if that
//     fails it keeps its old view (and so does not acknowledge v) and tries
//     again with the pinger's next news.
func (pb *PBServer) adopt(v viewservice.View) {
	pb.mu.Lock()
	cur, synced := pb.view, pb.synced
	pb.mu.Unlock()
	if v.Viewnum <= cur.Viewnum {
		return
	}
	if v.Primary == pb.me {
		legit := cur.Primary == pb.me ||
			cur.Backup == pb.me && synced == cur.Viewnum ||
			cur.Viewnum == 0 && v.Viewnum == 1
		if !legit {
			return
		}
		pb.mu.Lock()
		pb.promoted = cur.Backup == pb.me
		pb.mu.Unlock()
		if v.Backup != "" && !pb.transfer(v) {
			return
		}
		pb.mu.Lock()
		if v.Viewnum > pb.view.Viewnum { // no transfer made us backup of a newer view meanwhile
			pb.view, pb.promoted = v, false
		}
		pb.mu.Unlock()
		return
	}
	pb.mu.Lock()
	defer pb.mu.Unlock()
	if v.Viewnum <= pb.view.Viewnum {
		return // a transfer installed a newer view meanwhile
	}
	pb.view, pb.promoted = v, false
	if v.Backup != pb.me || pb.synced != v.Viewnum {
		// Idle, or a backup still waiting for its transfer: what this
		// server holds is no longer anyone's state.
		pb.store, pb.seen, pb.synced = map[string]string{}, map[int64]int64{}, 0
	}
}

// transfer sends the whole state to v's backup; true once it installed it.
// Only the worker changes the state of a primary, so the copy is exact.
func (pb *PBServer) transfer(v viewservice.View) bool {
	pb.mu.Lock()
	args := TransferArgs{View: v, From: pb.me, Store: maps.Clone(pb.store), Seen: maps.Clone(pb.seen)}
	pb.mu.Unlock()
	var reply TransferReply
	return pb.call(v.Backup, "PBServer.Transfer", &args, &reply) && reply.Err == OK
}

// serve performs one client request as primary: forward to the backup, and
// apply locally only once the backup has.
func (pb *PBServer) serve(r *request) result {
	pb.mu.Lock()
	v := pb.view
	if v.Viewnum == 0 || v.Primary != pb.me || pb.acked != v.Viewnum {
		pb.mu.Unlock()
		return result{err: ErrWrongServer}
	}
	if r.op != opGet && pb.seen[r.client] >= r.seq {
		pb.mu.Unlock()
		return result{err: OK} // a resend of a write already applied (here and at the backup)
	}
	pb.mu.Unlock()

	if v.Backup != "" && !pb.forward(v, r) {
		return result{err: ErrWrongServer}
	}

	pb.mu.Lock()
	defer pb.mu.Unlock()
	if pb.view.Viewnum != v.Viewnum {
		return result{err: ErrWrongServer} // a transfer made us another view's backup
	}
	if r.op == opGet {
		value, ok := pb.store[r.key]
		if !ok {
			return result{err: ErrNoKey}
		}
		return result{err: OK, value: value}
	}
	pb.applyLocked(r.op, r.key, r.value, r.client, r.seq)
	return result{err: OK}
}

// forward sends r to v's backup and reports whether it applied r. Without a
// reply the backup may or may not have applied it, so the same operation is
// resent until the backup answers: serving another operation first could
// apply the two in different orders on the two servers. The resending ends
// when the pinger brings a new view (kept in pb.next for the worker), when
// the server is killed, or when the backup refuses because it has moved on
// (then it did not apply r, and answering from our state could be stale).
func (pb *PBServer) forward(v viewservice.View, r *request) bool {
	args := ForwardArgs{Viewnum: v.Viewnum, From: pb.me, Op: r.op, Key: r.key, Value: r.value, ClientID: r.client, Seq: r.seq}
	for {
		var reply ForwardReply
		if pb.call(v.Backup, "PBServer.Forward", &args, &reply) {
			return reply.Err == OK
		}
		select {
		case nv := <-pb.views:
			pb.next = &nv
			return false
		case <-pb.done:
			return false
		case <-time.After(resendPause):
		}
	}
}

// applyLocked applies a Put or Append once per (client, seq).
func (pb *PBServer) applyLocked(op, key, value string, client, seq int64) {
	if pb.seen[client] >= seq {
		return
	}
	pb.seen[client] = seq
	if op == opAppend {
		value = pb.store[key] + value
	}
	pb.store[key] = value
}

// call sends an RPC to the server named to; false if no reply arrived.
func (pb *PBServer) call(to, method string, args, reply interface{}) bool {
	pb.mu.Lock()
	end, ok := pb.ends[to]
	if !ok {
		end = pb.makeEnd(to)
		pb.ends[to] = end
	}
	pb.mu.Unlock()
	return end != nil && end.Call(method, args, reply)
}

// noteLocked records this server's role in the view it acts on on the
// run's timeline (a band on its lane) when it changed. A no-op unless the
// run is recorded; pb.mu held.
func (pb *PBServer) noteLocked() {
	if !labrpc.Recording() {
		return
	}
	role := "idle"
	switch pb.me {
	case pb.view.Primary:
		role = "primary"
	case pb.view.Backup:
		role = "backup"
	}
	text := fmt.Sprintf("%s view=%d synced=%d", role, pb.view.Viewnum, pb.synced)
	if text != pb.noted {
		pb.noted = text
		labrpc.NoteNode(pb.me, text)
	}
}
