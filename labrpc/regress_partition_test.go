package labrpc_test

import (
	"testing"
	"testing/synctest"

	"distlabs/labrpc"
)

// Regression: Heal used to re-enable every MakeEndFrom end, undoing an
// explicit Enable(false) (how a 6.824-style harness disconnects a server),
// and an int server name (as 6.824 uses) was cut off by any partition.
func TestRegressionPartitionVsEnable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rn := labrpc.MakeNetworkSeed(1)
		defer rn.Cleanup()
		rs := labrpc.MakeServer()
		rs.AddService(labrpc.MakeService(&RevSvc{}))
		rn.AddServer("s", rs)
		rn.AddServer(1, rs)
		a := rn.MakeEndFrom("c->s", "c")
		rn.Connect("c->s", "s")
		rn.Enable("c->s", false) // test disconnects c
		rn.Partition([]string{"c", "s"})
		rn.Heal()
		var r RevReply
		if a.Call("RevSvc.AE", 2, &r) {
			t.Errorf("P1: Heal re-enabled an end the test had disabled with Enable(false)")
		}
		b := rn.MakeEndFrom("c->1", "c")
		rn.Connect("c->1", 1)
		rn.Enable("c->1", true)
		rn.Partition([]string{"c", "1"})
		if !b.Call("RevSvc.AE", 2, &r) {
			t.Errorf("P2: end to server 1 (int name) cut off although c and \"1\" share a group")
		}
	})
}
