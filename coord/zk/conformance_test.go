package zk_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"distlabs/coord"
	"distlabs/coord/zk"
	"distlabs/labrpc"
	"distlabs/raft"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// zkEnv names the ZooKeeper server(s) the real-server check uses,
// "host:port[,host:port...]"; `make zookeeper` starts one on
// 127.0.0.1:2181.
const zkEnv = "DISTLABS_ZK"

// TestConformanceRaft runs the conformance checks against the coord
// lab's service: three servers on Raft, in virtual time.
func TestConformanceRaft(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		net := tester.NewNet(t, true)
		saved := tester.NewStates(3, raft.MakePersister)
		g := tester.NewGroup(net, tester.Spec[*coord.Server]{
			Name: "coord",
			N:    3,
			Start: func(i int, ends []*labrpc.ClientEnd) (*coord.Server, []any) {
				s := coord.StartServer(ends, i, saved.Restart(i), -1)
				return s, []any{s, s.Raft()}
			},
			Crashed: saved.Freeze,
		})
		g.StartAll()
		var open []coord.Conn
		defer func() {
			for _, c := range open {
				c.Close()
			}
			g.Shutdown()
			net.Cleanup()
		}()
		net.Begin("Conformance: the coord lab's service")
		runChecks(t, func() coord.Conn {
			_, ends := g.NewClient(g.All()...)
			c := coord.MakeClerk(ends)
			open = append(open, c)
			return c
		}, "/conf")
		net.Passed(3)
	})
}

// TestConformanceZooKeeper runs the same checks against a real ZooKeeper
// server named by DISTLABS_ZK, and is skipped without it.
func TestConformanceZooKeeper(t *testing.T) {
	addr := os.Getenv(zkEnv)
	if addr == "" {
		t.Skipf("no ZooKeeper server: run `make zookeeper` (installs and starts Debian's zookeeperd on 127.0.0.1:2181), then %s=127.0.0.1:2181 go test ./coord/zk", zkEnv)
	}
	labtest.RunRealtime(t, func(t *labtest.T) {
		servers := strings.Split(addr, ",")
		var open []coord.Conn
		defer func() {
			for _, c := range open {
				c.Close()
			}
		}()
		runChecks(t, func() coord.Conn {
			c, err := zk.Dial(servers, 4*time.Second, 10*time.Second)
			if err != nil {
				t.Fatalf("dial %s: %v", addr, err)
			}
			open = append(open, c)
			return c
		}, fmt.Sprintf("/distlabs-conformance-%d", time.Now().UnixNano()))
	})
}
