package labrpc_test

import (
	"encoding/binary"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"distlabs/labrpc"
)

type FuzzArgs struct {
	M map[string][]int
	S []string
	P *FuzzArgs
	I interface{}
}
type FuzzSvc struct{}

func (FuzzSvc) Do(a FuzzArgs, r *int) { *r = len(a.M) + len(a.S) }

// Mutated gob bodies against a live server: it must keep serving. (Few
// iterations: gob sizes maps from counts on the wire, so some mutations make
// the server allocate hundreds of megabytes; see the package doc.)
func TestRegressionTCPMutatedBodies(t *testing.T) {
	rs := server(FuzzSvc{})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	go rs.Serve(l)
	valid := encodeForReview(t, FuzzArgs{M: map[string][]int{"a": {1, 2}}, S: []string{"x"}, P: &FuzzArgs{S: []string{"y"}}})
	r := rand.New(rand.NewPCG(1, 2))
	name := "FuzzSvc.Do"
	for i := 0; i < 300; i++ {
		body := append([]byte(nil), valid...)
		for k := 0; k < 1+r.IntN(4); k++ {
			body[r.IntN(len(body))] = byte(r.IntN(256))
		}
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatalf("iteration %d: server gone: %v", i, err)
		}
		f := binary.BigEndian.AppendUint32(nil, uint32(10+len(name)+len(body)))
		f = binary.BigEndian.AppendUint64(f, 1)
		f = binary.BigEndian.AppendUint16(f, uint16(len(name)))
		f = append(append(f, name...), body...)
		c.Write(f)
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		c.Read(make([]byte, 64))
		c.Close()
	}
	e := labrpc.MakeTCPEnd(l.Addr().String())
	defer e.Close()
	var n int
	if !e.Call("FuzzSvc.Do", FuzzArgs{S: []string{"ok"}}, &n) || n != 1 {
		t.Fatal("server not serving after fuzzing")
	}
}
