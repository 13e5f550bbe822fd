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
	"reflect"
	"sync"
	"time"

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

const (
	maxFrame         = 64 << 20
	defaultTimeout   = 10 * time.Second
	statusOK         = 0
	statusError      = 1
	frameHeaderBytes = 4
)

var errFrameTooLarge = errors.New("labrpc: frame too large")

func writeFrame(w io.Writer, parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n > maxFrame {
		return errFrameTooLarge
	}
	var hdr [frameHeaderBytes]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(n))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

func readFrame(r io.Reader) ([]byte, error) {
	var hdr [frameHeaderBytes]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxFrame {
		return nil, fmt.Errorf("%w: %d bytes", errFrameTooLarge, n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
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

// Serve accepts connections on l and serves RPCs to rs's services until l
// is closed (or fails); then it closes the connections it accepted and
// returns the error from Accept. Handlers run concurrently, one goroutine per
// call.
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
	for {
		c, err := l.Accept()
		if err != nil {
			return fmt.Errorf("labrpc: serve %v: %w", l.Addr(), err)
		}
		mu.Lock()
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs.serveConn(c)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
		}()
	}
}

// serveConn reads requests from c until it fails or sends garbage.
func (rs *Server) serveConn(c net.Conn) {
	defer c.Close()
	var wmu sync.Mutex // one reply frame at a time
	var handlers sync.WaitGroup
	defer handlers.Wait()
	r := bufio.NewReader(c)
	for {
		frame, err := readFrame(r)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
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
		go func() {
			defer handlers.Done()
			status, payload := byte(statusOK), []byte(nil)
			if lookupErr != nil {
				status, payload = statusError, []byte(lookupErr.Error())
			} else {
				rs.count.Add(1)
				reply := m.invoke(argsV.Elem())
				var err error
				if payload, err = encode(reply.Interface()); err != nil {
					status, payload = statusError, []byte(err.Error())
				}
			}
			var hdr [9]byte
			binary.BigEndian.PutUint64(hdr[:], id)
			hdr[8] = status
			wmu.Lock()
			defer wmu.Unlock()
			if err := writeFrame(c, hdr[:], payload); err != nil {
				c.Close() // the reader notices and ends the connection
			}
		}()
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
// end needs a connection. name appears in error messages.
func MakeStreamEnd(name string, dial func(ctx context.Context) (net.Conn, error)) *ClientEnd {
	return &ClientEnd{endname: name, tcp: &tcpClient{name: name, dial: dial, timeout: defaultTimeout}}
}

// SetTimeout sets how long Call waits for a reply on a stream end.
func (e *ClientEnd) SetTimeout(d time.Duration) {
	if e.tcp == nil {
		return // simulated ends model loss, not timeouts
	}
	e.tcp.mu.Lock()
	defer e.tcp.mu.Unlock()
	e.tcp.timeout = d
}

// Close closes a stream end's connection; later calls return false. It is a
// no-op on simulated ends.
func (e *ClientEnd) Close() {
	if e.tcp != nil {
		e.tcp.close()
	}
}

type tcpClient struct {
	name    string
	dial    func(ctx context.Context) (net.Conn, error)
	mu      sync.Mutex
	timeout time.Duration
	cur     *tcpConn
	closed  bool
	nextID  uint64
}

type tcpConn struct {
	c       net.Conn
	wmu     sync.Mutex
	mu      sync.Mutex
	pending map[uint64]chan []byte // nil payload: connection lost
	dead    bool
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
	if cur != nil {
		cur.c.Close()
	}
}

// conn returns a live connection, dialing if needed.
func (tc *tcpClient) conn(ctx context.Context) (*tcpConn, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.closed {
		return nil, net.ErrClosed
	}
	if tc.cur != nil && !tc.cur.isDead() {
		return tc.cur, nil
	}
	c, err := tc.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("labrpc: dial %s: %w", tc.name, err)
	}
	cur := &tcpConn{c: c, pending: map[uint64]chan []byte{}}
	tc.cur = cur
	go tc.readLoop(cur)
	return cur, nil
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

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
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
	cur.mu.Unlock()

	var hdr [10]byte
	binary.BigEndian.PutUint64(hdr[:], id)
	binary.BigEndian.PutUint16(hdr[8:], uint16(len(svcMeth)))
	cur.wmu.Lock()
	err = writeFrame(cur.c, hdr[:], []byte(svcMeth), body)
	cur.wmu.Unlock()
	if err != nil {
		cur.c.Close() // readLoop fails the pending calls and forgets cur
		return false
	}

	var payload []byte
	select {
	case payload = <-ch:
	case <-ctx.Done():
		cur.mu.Lock()
		delete(cur.pending, id)
		cur.mu.Unlock()
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
