package labrpc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"reflect"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/semaphore"

	"distlabs/labrpc/labgob"
)

// The stream transport carries RPCs over any net.Conn: real TCP in the CLIs,
// a simulated stream in tests. Each message is a frame:
//
//	uint32 length (big-endian, of what follows, at most maxFrame)
//	uint64 call id
//	request: uint16 method-name length, method name, labgob-encoded args
//	reply:   uint8 status (0 ok, 1 error), then labgob-encoded reply or error text
//
// Replies may come back in any order; the call id matches them up. A frame
// that is too large or does not decode closes its connection: the server
// never trusts what arrives on the wire.
//
// The code also runs inside synctest bubbles (over simulated streams), where
// a goroutine waiting for a sync.Mutex stops virtual time. So nothing here
// holds a mutex across a blocking operation: dials happen outside locks and
// writers take turns through a one-slot channel, which they can give up on
// when their context ends.

const (
	smallFrame       = 64 << 10 // frames up to this size are read into one allocation
	defaultTimeout   = 10 * time.Second
	replyWriteLimit  = time.Minute // a client that stops reading loses its connection
	statusOK         = 0
	statusError      = 1
	frameHeaderBytes = 4
)

// Limits of the stream transport. It serves the cooperating processes of
// one course cluster, but on a shared lab machine anyone can reach its
// port, so one client must not be able to make a server hold unbounded
// memory, goroutines or descriptors. A Serve loop holds at most
// MaxServeBytes of request frames (being read, or of calls in flight) over
// all its connections, at most MaxInflight calls per connection, and at
// most MaxConns connections.
const (
	// MaxFrame is the largest frame (a request or a reply) either side
	// sends or accepts: far above any message a lab sends over TCP (a
	// MapReduce task or report is well under a kilobyte), low enough that
	// the limits below bound the total. A call whose arguments or reply
	// encode larger fails.
	MaxFrame = 4 << 20
	// MaxInflight is how many calls of one connection run at once; beyond
	// it, or beyond MaxFrame bytes of requests in flight, the server stops
	// reading that connection until replies drain (the client's writes then
	// block, as TCP flow control intends).
	MaxInflight = 64
	// MaxConns is how many connections a Serve loop keeps; one more is
	// closed as soon as it is accepted.
	MaxConns = 128
	// MaxServeBytes bounds the request bytes a Serve loop holds at once;
	// a connection whose next frame does not fit waits (unread) until
	// calls of any connection finish.
	MaxServeBytes = 16 * MaxFrame
	// IdleTimeout closes a server connection on which no call is in flight
	// and no frame arrives for this long; it also bounds how long one frame
	// may take to arrive. Clients redial transparently.
	IdleTimeout = 2 * time.Minute
)

const maxFrame = MaxFrame

var errFrameTooLarge = errors.New("labrpc: frame too large")

func writeFrame(w io.Writer, parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n > maxFrame {
		return errFrameTooLarge
	}
	buf := make([]byte, frameHeaderBytes, frameHeaderBytes+n)
	binary.BigEndian.PutUint32(buf, uint32(n))
	for _, p := range parts {
		buf = append(buf, p...)
	}
	_, err := w.Write(buf) // one write: a frame is never interleaved with another
	return err
}

func readFrame(r io.Reader) ([]byte, error) {
	n, err := readFrameHeader(r)
	if err != nil {
		return nil, err
	}
	return readFrameBody(r, n)
}

// readFrameHeader reads a frame's length and checks it against maxFrame.
func readFrameHeader(r io.Reader) (uint32, error) {
	var hdr [frameHeaderBytes]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxFrame {
		return 0, fmt.Errorf("%w: %d bytes", errFrameTooLarge, n)
	}
	return n, nil
}

// readFrameBody reads the n bytes of a frame after its header.
func readFrameBody(r io.Reader, n uint32) ([]byte, error) {
	if n <= smallFrame {
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	// A large frame grows as its bytes arrive, so a header that promises
	// MaxFrame and sends nothing costs little; it doubles up to exactly n,
	// so a frame never holds more than its own length.
	buf := make([]byte, 0, smallFrame)
	for len(buf) < int(n) {
		if len(buf) == cap(buf) {
			buf = append(make([]byte, 0, min(2*cap(buf), int(n))), buf...)
		}
		m, err := io.ReadFull(r, buf[len(buf):min(cap(buf), int(n))])
		buf = buf[:len(buf)+m]
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}

func encode(v interface{}) ([]byte, error) {
	var b bytes.Buffer
	if err := labgob.NewEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// turn is a lock that a waiter can abandon: a one-slot channel.
type turn chan struct{}

func newTurn() turn { return make(turn, 1) }

// take waits for the turn or for done to close; it reports whether it got it.
func (t turn) take(done <-chan struct{}) bool {
	select {
	case t <- struct{}{}:
		return true
	case <-done:
		return false
	}
}

func (t turn) give() { <-t }

// quietError reports whether err is the ordinary end of a connection, not
// worth a log line.
func quietError(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// Serve accepts connections on l and serves RPCs to rs's services until l
// is closed; then it closes the connections it accepted, waits for their
// handlers, and returns the error from Accept. Handlers run concurrently,
// one goroutine per call. Temporary accept errors (such as running out of
// file descriptors) are retried with backoff.
func (rs *Server) Serve(l net.Listener) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]struct{}{}
	defer func() {
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}()
	budget := semaphore.NewWeighted(MaxServeBytes)
	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() && !errors.Is(err, net.ErrClosed) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				log.Printf("labrpc: serve %v: %v; retrying in %v", l.Addr(), err, backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("labrpc: serve %v: %w", l.Addr(), err)
		}
		backoff = 0
		mu.Lock()
		if len(conns) >= MaxConns {
			mu.Unlock()
			log.Printf("labrpc: serve %v: refusing %v: %d connections open", l.Addr(), c.RemoteAddr(), MaxConns)
			c.Close()
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs.serveConn(c, budget)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
		}()
	}
}

// serveConn reads requests from c until it fails, sends garbage or stays
// idle for IdleTimeout. It reads a request only when the connection has a
// free call slot and budget for the request's bytes (see MaxInflight): a
// client that sends calls faster than it reads replies is slowed down
// instead of growing the server. served is the Serve loop's budget of
// request bytes, shared by its connections.
func (rs *Server) serveConn(c net.Conn, served *semaphore.Weighted) {
	w := newTurn() // one reply frame at a time
	// broken ends when the connection is closed by a handler (its reply
	// could not be written) or by this reader; waits for a slot or budget
	// give up then.
	broken, breakConn := context.WithCancel(context.Background())
	slots := make(chan struct{}, MaxInflight)
	budget := semaphore.NewWeighted(MaxFrame)
	var handlers sync.WaitGroup
	var unowned int64 // bytes of served taken for a frame no handler owns yet
	defer func() {
		c.Close() // first: a handler blocked writing to c gives up
		breakConn()
		served.Release(unowned) // the loop's budget outlives this connection
		handlers.Wait()
	}()
	r := bufio.NewReader(c)
	for {
		select {
		case slots <- struct{}{}:
		case <-broken.Done():
			return
		}
		if !rs.awaitFrame(c, r, slots) {
			return
		}
		n, err := readFrameHeader(r)
		if err == nil && n >= 10 {
			if err = acquireBoth(broken, budget, served, int64(n)); err == nil {
				unowned = int64(n)
			}
			// The wait for budget must not eat into the frame's time.
			c.SetReadDeadline(time.Now().Add(IdleTimeout))
		}
		var frame []byte
		if err == nil {
			frame, err = readFrameBody(r, n)
		}
		if err != nil {
			if !quietError(err) {
				log.Printf("labrpc: closing connection from %v: %v", c.RemoteAddr(), err)
			}
			return
		}
		if len(frame) < 10 {
			log.Printf("labrpc: closing connection from %v: short frame", c.RemoteAddr())
			return
		}
		id := binary.BigEndian.Uint64(frame)
		mlen := int(binary.BigEndian.Uint16(frame[8:]))
		if 10+mlen > len(frame) {
			log.Printf("labrpc: closing connection from %v: bad method length", c.RemoteAddr())
			return
		}
		name, body := string(frame[10:10+mlen]), frame[10+mlen:]
		m, lookupErr := rs.lookup(name)
		var argsV reflect.Value
		if lookupErr == nil {
			argsV = reflect.New(m.argsType)
			if err := labgob.NewDecoder(bytes.NewReader(body)).DecodeValue(argsV); err != nil {
				log.Printf("labrpc: closing connection from %v: args of %s: %v", c.RemoteAddr(), name, err)
				return
			}
		}
		handlers.Add(1)
		unowned = 0 // the handler releases it
		go func() {
			defer handlers.Done()
			defer func() {
				budget.Release(int64(n))
				served.Release(int64(n))
				<-slots
			}()
			status, payload := byte(statusOK), []byte(nil)
			if lookupErr != nil {
				status, payload = statusError, []byte(lookupErr.Error())
			} else {
				rs.count.Add(1)
				reply, err := m.invoke(argsV.Elem())
				if err == nil {
					payload, err = encode(reply.Interface())
				}
				if err != nil {
					status, payload = statusError, []byte(err.Error())
				}
			}
			var hdr [9]byte
			binary.BigEndian.PutUint64(hdr[:], id)
			hdr[8] = status
			if !w.take(broken.Done()) {
				return
			}
			defer w.give()
			c.SetWriteDeadline(time.Now().Add(replyWriteLimit))
			if err := writeFrame(c, hdr[:], payload); err != nil {
				c.Close() // the reader notices and ends the connection
				breakConn()
			}
		}()
	}
}

// acquireBoth takes n from the connection's budget, then from the Serve
// loop's. Only the connection's own reader takes from its budget, so
// holding it while waiting for the shared one blocks nobody else.
func acquireBoth(ctx context.Context, conn, served *semaphore.Weighted, n int64) error {
	if err := conn.Acquire(ctx, n); err != nil {
		return err
	}
	if err := served.Acquire(ctx, n); err != nil {
		conn.Release(n)
		return err
	}
	return nil
}

// awaitFrame waits for the first byte of the next frame. It reports false
// when the connection failed, or when it stayed silent for IdleTimeout with
// no call in flight (the slot the reader holds is its own). Once a frame
// starts, it must arrive whole within IdleTimeout.
func (rs *Server) awaitFrame(c net.Conn, r *bufio.Reader, slots chan struct{}) bool {
	for {
		c.SetReadDeadline(time.Now().Add(IdleTimeout))
		_, err := r.Peek(1)
		if err == nil {
			c.SetReadDeadline(time.Now().Add(IdleTimeout))
			return true
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) || len(slots) <= 1 {
			return false
		}
	}
}

// MakeTCPEnd returns a ClientEnd that calls the Server served at a TCP
// address. It dials on first use and redials after a connection fails. Call
// returns false when the connection is lost or no reply comes within the
// end's timeout (SetTimeout; 10 s by default).
func MakeTCPEnd(addr string) *ClientEnd {
	return MakeStreamEnd(addr, func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	})
}

// MakeStreamEnd is MakeTCPEnd over any stream: dial is called whenever the
// end needs a connection, with a context that ends with the call. name
// appears in error messages.
func MakeStreamEnd(name string, dial func(ctx context.Context) (net.Conn, error)) *ClientEnd {
	base, cancel := context.WithCancel(context.Background())
	return &ClientEnd{endname: name, tcp: &tcpClient{
		name: name, dial: dial, timeout: defaultTimeout, base: base, cancel: cancel,
	}}
}

// SetTimeout sets how long Call waits on a stream end, from dialing to the
// reply; 0 means no limit. Simulated ends ignore it (they model loss, not
// timeouts).
func (e *ClientEnd) SetTimeout(d time.Duration) {
	if e.tcp == nil {
		return
	}
	e.tcp.mu.Lock()
	defer e.tcp.mu.Unlock()
	e.tcp.timeout = d
}

// Close closes a stream end: calls in progress and later calls return
// false, and its connection and goroutines end. It is a no-op on simulated
// ends.
func (e *ClientEnd) Close() {
	if e.tcp != nil {
		e.tcp.close()
	}
}

type tcpClient struct {
	name   string
	dial   func(ctx context.Context) (net.Conn, error)
	base   context.Context // every call's context derives from it; close cancels it
	cancel context.CancelFunc

	mu      sync.Mutex
	timeout time.Duration
	cur     *tcpConn
	dialing chan struct{} // non-nil while one caller dials; closed when it is done
	closed  bool
	nextID  uint64
}

type tcpConn struct {
	c       net.Conn
	w       turn
	mu      sync.Mutex
	pending map[uint64]chan []byte // a nil payload means the connection was lost
	dead    bool
	replies uint64 // replies received so far: a connection that answers nothing is suspect
}

func (cur *tcpConn) isDead() bool {
	cur.mu.Lock()
	defer cur.mu.Unlock()
	return cur.dead
}

func (tc *tcpClient) close() {
	tc.mu.Lock()
	tc.closed = true
	cur := tc.cur
	tc.cur = nil
	tc.mu.Unlock()
	tc.cancel()
	if cur != nil {
		cur.c.Close()
	}
}

// conn returns a live connection, dialing if needed. One caller dials at a
// time; the others wait for it (or for their context) without holding tc.mu.
func (tc *tcpClient) conn(ctx context.Context) (*tcpConn, error) {
	for {
		tc.mu.Lock()
		switch {
		case tc.closed:
			tc.mu.Unlock()
			return nil, net.ErrClosed
		case tc.cur != nil && !tc.cur.isDead():
			cur := tc.cur
			tc.mu.Unlock()
			return cur, nil
		case tc.dialing != nil:
			wait := tc.dialing
			tc.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		tc.dialing = done
		tc.mu.Unlock()

		c, err := tc.dial(ctx)

		tc.mu.Lock()
		tc.dialing = nil
		close(done)
		if err == nil && tc.closed {
			c.Close()
			err = net.ErrClosed
		}
		if err != nil {
			tc.mu.Unlock()
			return nil, fmt.Errorf("labrpc: dial %s: %w", tc.name, err)
		}
		cur := &tcpConn{c: c, w: newTurn(), pending: map[uint64]chan []byte{}}
		tc.cur = cur
		tc.mu.Unlock()
		go tc.readLoop(cur)
		return cur, nil
	}
}

// drop abandons a connection at once: it is marked dead and forgotten
// before it is closed, so the next call dials afresh instead of picking up
// the closed connection in the moment before readLoop notices the close.
func (tc *tcpClient) drop(cur *tcpConn) {
	cur.mu.Lock()
	cur.dead = true
	cur.mu.Unlock()
	tc.mu.Lock()
	if tc.cur == cur {
		tc.cur = nil
	}
	tc.mu.Unlock()
	cur.c.Close()
}

// readLoop hands each reply to its caller; when the connection fails it
// fails every pending call and forgets the connection.
func (tc *tcpClient) readLoop(cur *tcpConn) {
	r := bufio.NewReader(cur.c)
	for {
		frame, err := readFrame(r)
		if err != nil || len(frame) < 9 {
			break
		}
		id := binary.BigEndian.Uint64(frame)
		cur.mu.Lock()
		cur.replies++
		ch := cur.pending[id]
		delete(cur.pending, id)
		cur.mu.Unlock()
		if ch != nil {
			ch <- frame[8:] // buffered: never blocks
		}
	}
	// Forget the connection before failing its calls, so a caller that
	// retries at once dials afresh instead of finding this one again.
	tc.mu.Lock()
	if tc.cur == cur {
		tc.cur = nil
	}
	tc.mu.Unlock()
	cur.c.Close()
	cur.mu.Lock()
	cur.dead = true
	for id, ch := range cur.pending {
		delete(cur.pending, id)
		ch <- nil
	}
	cur.mu.Unlock()
}

func (tc *tcpClient) call(svcMeth string, args interface{}, replyV reflect.Value) bool {
	tc.mu.Lock()
	timeout := tc.timeout
	tc.nextID++
	id := tc.nextID
	tc.mu.Unlock()
	if len(svcMeth) > 0xffff {
		panic(fmt.Sprintf("labrpc: method name of %d bytes", len(svcMeth)))
	}
	body, err := encode(args)
	if err != nil {
		panic(fmt.Sprintf("labrpc: cannot encode args of %s (%T): %v", svcMeth, args, err))
	}

	ctx, cancel := tc.base, context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(tc.base, timeout)
	}
	defer cancel()
	cur, err := tc.conn(ctx)
	if err != nil {
		return false
	}
	ch := make(chan []byte, 1)
	cur.mu.Lock()
	if cur.dead {
		cur.mu.Unlock()
		return false
	}
	cur.pending[id] = ch
	repliesBefore := cur.replies
	cur.mu.Unlock()
	forget := func() {
		cur.mu.Lock()
		delete(cur.pending, id)
		cur.mu.Unlock()
	}

	var hdr [10]byte
	binary.BigEndian.PutUint64(hdr[:], id)
	binary.BigEndian.PutUint16(hdr[8:], uint16(len(svcMeth)))
	if !cur.w.take(ctx.Done()) {
		forget()
		return false
	}
	deadline, _ := ctx.Deadline() // zero: no deadline
	cur.c.SetWriteDeadline(deadline)
	err = writeFrame(cur.c, hdr[:], []byte(svcMeth), body)
	cur.w.give()
	if err != nil {
		tc.drop(cur) // a half-written frame ruins the stream
		return false
	}

	var payload []byte
	select {
	case payload = <-ch:
	case <-ctx.Done():
		forget()
		cur.mu.Lock()
		silent := cur.replies == repliesBefore
		cur.mu.Unlock()
		if silent {
			// Nothing at all came back while we waited: the peer may be
			// gone without a word. Drop the connection so the next call
			// redials instead of waiting on it too.
			tc.drop(cur)
		}
		return false
	}
	switch {
	case payload == nil:
		return false
	case payload[0] == statusError:
		log.Printf("labrpc: %s: call %s failed on the server: %s", tc.name, svcMeth, payload[1:])
		return false
	}
	if err := labgob.NewDecoder(bytes.NewReader(payload[1:])).DecodeValue(replyV); err != nil {
		log.Printf("labrpc: %s: reply of %s: %v", tc.name, svcMeth, err)
		return false
	}
	return true
}
