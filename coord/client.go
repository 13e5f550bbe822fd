package coord

import (
	"sync"
	"time"

	"distlabs/labrpc"
)

// DefaultSessionTimeout is the session timeout of MakeClerk: a session
// whose Clerk has reached no server for this long expires.
const DefaultSessionTimeout = 5 * time.Second

// A Clerk is one session with the replicated service; it implements
// Conn. Its methods are safe for concurrent use: it issues one operation
// at a time, in the order the calls take their turn.
type Clerk struct {
	servers []*labrpc.ClientEnd
	//solution:begin A
	id      int64         // the session's id, random
	timeout time.Duration // the session timeout
	turn    chan struct{} // a token: whoever holds it has the one operation in flight
	seq     int64         // Seq of the latest operation; only the turn's holder touches it
	done    chan struct{} // closed when the session is over: stops the heartbeat

	mu        sync.Mutex
	leader    int                  // index in servers of the last server that answered as leader
	watches   map[int64]chan Event // pending watches by the Seq that set them
	delivered int64                // highest event number taken from the queue
	over      error                // ErrClosed or ErrSessionExpired once the session is over
	//solution:stub
	// // Your fields here (A).
	//solution:end
}

// MakeClerk opens a session with DefaultSessionTimeout on the given
// servers (in any order). It returns once the service has started the
// session, retrying until some leader answers.
func MakeClerk(servers []*labrpc.ClientEnd) *Clerk {
	return MakeClerkTimeout(servers, DefaultSessionTimeout)
}

// MakeClerkTimeout is MakeClerk with a session timeout of its own.
func MakeClerkTimeout(servers []*labrpc.ClientEnd, timeout time.Duration) *Clerk {
	ck := &Clerk{servers: servers}
	//solution:begin A
	ck.id = newSessionID()
	ck.timeout = timeout
	ck.turn = make(chan struct{}, 1)
	ck.done = make(chan struct{})
	ck.watches = map[int64]chan Event{}
	// Open is never refused for a fresh random id: only a lost race with
	// Close, which the caller cannot have made yet, would end it.
	r := ck.call(OpArgs{Kind: OpOpen, Session: ck.id, Timeout: int64(timeout)}, nil)
	if r.Err != OK {
		ck.finish(errOf(r.Err))
		return ck
	}
	go ck.heartbeat()
	//solution:stub
	// // Your code here (A).
	//solution:end
	return ck
}

// SessionID identifies the session.
func (ck *Clerk) SessionID() int64 {
	//solution:begin A
	return ck.id
	//solution:stub
	// // Your code here (A).
	// return 0
	//solution:end
}

// Create makes a node; see Conn.
func (ck *Clerk) Create(path string, data []byte, flags int32) (string, error) {
	//solution:begin A
	r, err := ck.do(OpArgs{Kind: OpCreate, Path: path, Data: data, Flags: flags}, false)
	return r.Path, err
	//solution:stub
	// // Your code here (A).
	// return "", ErrClosed
	//solution:end
}

// Get returns a node's data and Stat; see Conn.
func (ck *Clerk) Get(path string) ([]byte, *Stat, error) {
	//solution:begin A
	r, err := ck.do(OpArgs{Kind: OpGet, Path: path}, false)
	if err != nil {
		return nil, nil, err
	}
	return r.Data, &r.Stat, nil
	//solution:stub
	// // Your code here (A).
	// return nil, nil, ErrClosed
	//solution:end
}

// GetW is Get that also sets a watch; see Conn.
func (ck *Clerk) GetW(path string) ([]byte, *Stat, <-chan Event, error) {
	//solution:begin B
	r, ch, err := ck.doWatch(OpArgs{Kind: OpGet, Path: path})
	if err != nil {
		return nil, nil, nil, err
	}
	return r.Data, &r.Stat, ch, nil
	//solution:stub
	// // Your code here (B).
	// return nil, nil, nil, ErrClosed
	//solution:end
}

// Exists reports whether a node exists; see Conn.
func (ck *Clerk) Exists(path string) (bool, *Stat, error) {
	//solution:begin A
	r, err := ck.do(OpArgs{Kind: OpExists, Path: path}, false)
	if err != nil || !r.Exists {
		return false, nil, err
	}
	return true, &r.Stat, nil
	//solution:stub
	// // Your code here (A).
	// return false, nil, ErrClosed
	//solution:end
}

// ExistsW is Exists that also sets a watch; see Conn.
func (ck *Clerk) ExistsW(path string) (bool, *Stat, <-chan Event, error) {
	//solution:begin B
	r, ch, err := ck.doWatch(OpArgs{Kind: OpExists, Path: path})
	if err != nil {
		return false, nil, nil, err
	}
	if !r.Exists {
		return false, nil, ch, nil
	}
	return true, &r.Stat, ch, nil
	//solution:stub
	// // Your code here (B).
	// return false, nil, nil, ErrClosed
	//solution:end
}

// Set replaces a node's data if its version matches; see Conn.
func (ck *Clerk) Set(path string, data []byte, version int32) (*Stat, error) {
	//solution:begin A
	r, err := ck.do(OpArgs{Kind: OpSet, Path: path, Data: data, Version: version}, false)
	if err != nil {
		return nil, err
	}
	return &r.Stat, nil
	//solution:stub
	// // Your code here (A).
	// return nil, ErrClosed
	//solution:end
}

// Delete removes a childless node if its version matches; see Conn.
func (ck *Clerk) Delete(path string, version int32) error {
	//solution:begin A
	_, err := ck.do(OpArgs{Kind: OpDelete, Path: path, Version: version}, false)
	return err
	//solution:stub
	// // Your code here (A).
	// return ErrClosed
	//solution:end
}

// Children returns the sorted names of a node's children; see Conn.
func (ck *Clerk) Children(path string) ([]string, *Stat, error) {
	//solution:begin A
	r, err := ck.do(OpArgs{Kind: OpChildren, Path: path}, false)
	if err != nil {
		return nil, nil, err
	}
	return r.Children, &r.Stat, nil
	//solution:stub
	// // Your code here (A).
	// return nil, nil, ErrClosed
	//solution:end
}

// ChildrenW is Children that also sets a watch; see Conn.
func (ck *Clerk) ChildrenW(path string) ([]string, *Stat, <-chan Event, error) {
	//solution:begin B
	r, ch, err := ck.doWatch(OpArgs{Kind: OpChildren, Path: path})
	if err != nil {
		return nil, nil, nil, err
	}
	return r.Children, &r.Stat, ch, nil
	//solution:stub
	// // Your code here (B).
	// return nil, nil, nil, ErrClosed
	//solution:end
}

// Close ends the session; see Conn. It tries the servers for a while;
// if none answers, the session expires on its own.
func (ck *Clerk) Close() {
	//solution:begin A
	if !ck.finish(ErrClosed) {
		return
	}
	giveUp := time.Now().Add(closeTries)
	ck.call(OpArgs{Kind: OpClose, Session: ck.id}, func() bool { return time.Now().After(giveUp) })
	//solution:stub
	// // Your code here (A).
	//solution:end
}

var _ Conn = (*Clerk)(nil)
