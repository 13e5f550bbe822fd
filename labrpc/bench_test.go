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
	rs := labrpc.MakeServer()
	rs.AddService(labrpc.MakeService(&BenchServer{}))
	rn.AddServer("server", rs)
	e := rn.MakeEnd("end")
	rn.Connect("end", "server")
	rn.Enable("end", true)
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
