package labrpc_test

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/test/labtest"
)

type RevReply struct {
	Term    int
	Success bool
}

type RevSvc struct{}

func (s *RevSvc) AE(args int, reply *RevReply) {
	reply.Term = args
	reply.Success = args%2 == 0
}

// Regression: with LongReordering, a reply held back 200-2200 ms must not
// be delivered if DeleteServer ran during the hold-back.
func TestRegressionNoLateReplyAfterDeleteServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rn := labrpc.MakeNetworkSeed(7)
		defer rn.Cleanup()
		rs := labrpc.MakeServer()
		rs.AddService(labrpc.MakeService(&RevSvc{}))
		rn.AddServer("s", rs)
		rn.LongReordering(true)
		var mu sync.Mutex
		var deletedAt time.Time
		positiveAfterDelete := 0
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			name := fmt.Sprintf("e%d", i)
			e := rn.MakeEnd(name)
			rn.Connect(name, "s")
			rn.Enable(name, true)
			wg.Add(1)
			go func() {
				defer wg.Done()
				var r RevReply
				ok := e.Call("RevSvc.AE", 2, &r)
				mu.Lock()
				defer mu.Unlock()
				if ok && !deletedAt.IsZero() {
					positiveAfterDelete++
				}
			}()
		}
		time.Sleep(50 * time.Millisecond) // handlers done, replies held back
		rn.DeleteServer("s")
		mu.Lock()
		deletedAt = time.Now()
		mu.Unlock()
		wg.Wait()
		if positiveAfterDelete > 0 {
			t.Errorf("%d of 20 calls returned true after DeleteServer returned", positiveAfterDelete)
		}
	})
}

// Regression: decoding a reply into a reused, non-zero reply value must
// warn, as 6.824's labgob does (the classic stale-field bug).
func TestRegressionNonZeroReplyWarns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rn := labrpc.MakeNetworkSeed(1)
		defer rn.Cleanup()
		rs := labrpc.MakeServer()
		rs.AddService(labrpc.MakeService(&RevSvc{}))
		rn.AddServer("s", rs)
		e := rn.MakeEnd("e")
		rn.Connect("e", "s")
		rn.Enable("e", true)
		r := RevReply{Term: 9, Success: true} // reused reply
		before := labgob.Warnings()
		e.Call("RevSvc.AE", 3, &r) // handler sets Success=false (zero: not sent by gob)
		t.Logf("reply after call: %+v (handler said Success=false)", r)
		if labgob.Warnings() == before {
			t.Errorf("no labgob warning for decoding into a non-zero reply; stale Success=%v survived", r.Success)
		}
	})
}

// Regression: a stream's fault schedule must not depend on the order in
// which connections are dialed (it used to be keyed by the ephemeral port).
func TestRegressionStreamScheduleIndependentOfDialOrder(t *testing.T) {
	delays := func(aFirst bool) []time.Duration {
		var out []time.Duration
		synctest.Test(t, func(t *testing.T) {
			rn := labrpc.MakeNetworkSeed(42)
			defer rn.Cleanup()
			rn.Reliable(false)
			l, _ := rn.Listen("web:80")
			if !aFirst {
				cb, _ := rn.Dial("b", "web:80")
				defer cb.Close()
				sb, _ := l.Accept()
				defer sb.Close()
			}
			ca, _ := rn.Dial("a", "web:80")
			defer ca.Close()
			sa, _ := l.Accept()
			defer sa.Close()
			buf := make([]byte, 1)
			for i := 0; i < 10; i++ {
				start := time.Now()
				ca.Write([]byte{1})
				sa.Read(buf)
				out = append(out, time.Since(start))
			}
		})
		return out
	}
	d1, d2 := delays(true), delays(false)
	t.Logf("a dialed first: %v\nb dialed first: %v", d1, d2)
	if fmt.Sprint(d1) != fmt.Sprint(d2) {
		t.Errorf("link a->web:80 got a different schedule depending on dial order (same seed)")
	}
}

// Byte counts must not depend on which pooled codec a call draws (a fresh
// one resends type definitions): every identical call counts the same.
func TestRegressionBytesIndependentOfPool(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn := labrpc.MakeNetwork()
		defer rn.Cleanup()
		var sizes []int
		var mu sync.Mutex
		rn.SetTrace(func(ev labrpc.Event) { mu.Lock(); sizes = append(sizes, ev.Size); mu.Unlock() })
		rs := labrpc.MakeServer()
		rs.AddService(labrpc.MakeService(&PoolSvc{}))
		rn.AddServer("s", rs)
		e := rn.MakeEnd("e")
		rn.Connect("e", "s")
		rn.Enable("e", true)
		var before int64
		for i := 0; i < 3; i++ {
			var r PoolReply
			e.Call("PoolSvc.Do", PoolArgs{X: 7}, &r)
			if i == 0 {
				before = rn.GetTotalBytes()
			}
		}
		assert.Equal(t, []int{sizes[0], sizes[0], sizes[0]}, sizes, "request sizes")
		assert.Equal(t, 3*before, rn.GetTotalBytes(), "the first call (fresh codecs) counts like the others")
	})
}

// PoolArgs, PoolReply and PoolSvc are used by no other test, so the first
// call above draws fresh codecs that must send type definitions.
type PoolArgs struct{ X int }

// PoolReply is PoolSvc's reply.
type PoolReply struct{ Y int }

// PoolSvc doubles its argument.
type PoolSvc struct{}

// Do replies with 2*X.
func (PoolSvc) Do(args PoolArgs, reply *PoolReply) { reply.Y = 2 * args.X }
