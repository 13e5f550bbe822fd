package labrpc_test

import (
	"testing"

	"distlabs/labrpc"
)

// BenchmarkCall measures sequential reliable round trips with a string
// argument and a string reply, outside any bubble (real time).
func BenchmarkCall(b *testing.B) {
	benchCalls(b, labrpc.MakeNetworkSeed(1))
}

// BenchmarkCallZeroLatency is BenchmarkCall on a network without the
// default one-way latency, whose real sleeps (two timers a call) otherwise
// dominate: what is left is labrpc's own work per call, where a change to
// the call path shows (tracing off costs one atomic load).
func BenchmarkCallZeroLatency(b *testing.B) {
	rn := labrpc.MakeNetworkSeed(1)
	rn.SetLatency(0)
	benchCalls(b, rn)
}

// benchCalls times b.N calls on rn to an echo server and cleans rn up.
func benchCalls(b *testing.B, rn *labrpc.Network) {
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
