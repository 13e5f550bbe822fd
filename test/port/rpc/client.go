package rpc

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"net/rpc"
	"sync/atomic"

	"distlabs/labrpc"
)

// Types of net/rpc that callers name, kept identical so code written for
// net/rpc compiles unchanged.
type (
	// Call is an asynchronous call's record (Client.Go).
	Call = rpc.Call
	// ServerError is an error a handler returned, as its caller sees it.
	ServerError = rpc.ServerError
)

// ErrShutdown is returned by calls on a closed client.
var ErrShutdown = rpc.ErrShutdown

// dialer makes the end a Dial returns; nil until the harness sets it.
var dialer atomic.Pointer[func(addr string) *labrpc.ClientEnd]

// UseNetwork makes every later Dial take its end from makeEnd (the
// harness's ends on the test's network). The course's code dials without
// saying who dials, so one function serves every node of a test.
func UseNetwork(makeEnd func(addr string) *labrpc.ClientEnd) {
	dialer.Store(&makeEnd)
}

// Client is a connection to the node at one address.
type Client struct {
	addr   string
	end    *labrpc.ClientEnd
	closed atomic.Bool
}

// Dial returns a client of the node at address. As no connection is made,
// it fails only if no network was set; a node that is not there makes
// every call fail instead.
func Dial(network, address string) (*Client, error) {
	d := dialer.Load()
	if d == nil {
		return nil, fmt.Errorf("rpc: dial %s %s: no network (the harness calls rpc.UseNetwork)", network, address)
	}
	return &Client{addr: address, end: (*d)(address)}, nil
}

// Request is one call on the wire: the "Service.Method" name and the
// gob-encoded arguments.
type Request struct {
	ServiceMethod string
	Args          []byte
}

// Response is the reply to a Request: the gob-encoded reply, or the
// handler's error.
type Response struct {
	Reply []byte
	Error string
}

// errNoReply is the error of a call that got no reply: the node is down,
// gone or cut off, as a broken connection is on a real network.
var errNoReply = errors.New("rpc: no reply (node unreachable)")

// Call calls serviceMethod at the client's node and waits for the reply.
// A handler's error comes back as a ServerError; a call that gets no reply
// fails with an error that says so.
func (c *Client) Call(serviceMethod string, args, reply any) error {
	if c.closed.Load() {
		return ErrShutdown
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(args); err != nil {
		return fmt.Errorf("rpc: %s: encoding the arguments: %w", serviceMethod, err)
	}
	var resp Response
	if !c.end.Call("Host.Serve", &Request{ServiceMethod: serviceMethod, Args: buf.Bytes()}, &resp) {
		return fmt.Errorf("%s to %s: %w", serviceMethod, c.addr, errNoReply)
	}
	if resp.Error != "" {
		return ServerError(resp.Error)
	}
	if err := gob.NewDecoder(bytes.NewReader(resp.Reply)).Decode(reply); err != nil {
		return fmt.Errorf("rpc: %s: decoding the reply: %w", serviceMethod, err)
	}
	return nil
}

// Go calls serviceMethod without waiting: the call is sent on done (or a
// new channel) when it ends, as net/rpc's Go does. The goroutine that
// makes the call ends with it.
func (c *Client) Go(serviceMethod string, args, reply any, done chan *Call) *Call {
	if done == nil {
		done = make(chan *Call, 1)
	}
	call := &Call{ServiceMethod: serviceMethod, Args: args, Reply: reply, Done: done}
	go func() {
		call.Error = c.Call(serviceMethod, args, reply)
		select {
		case call.Done <- call:
		default: // net/rpc drops the notice when done has no room, too
		}
	}()
	return call
}

// Close closes the client: later calls fail with ErrShutdown.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return ErrShutdown
	}
	return nil
}
