package labrpc_test

import (
	"testing"

	"distlabs/labrpc"
)

// BenchmarkCall measures sequential reliable round trips with a string
// argument and a string reply, outside any bubble (real time).
func BenchmarkCall(b *testing.B) {
	rn := labrpc.MakeNetworkSeed(1)
	defer rn.Cleanup()
	serveOn(rn, "server", &BenchServer{})
	e := endTo(rn, "end", "server")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var reply string
		if !e.Call("BenchServer.Echo", "hello, labrpc", &reply) {
			b.Fatal("call failed")
		}
	}
}

// BenchServer is the benchmark's service.
type BenchServer struct{}

// Echo replies with its argument.
func (BenchServer) Echo(args string, reply *string) { *reply = args }
