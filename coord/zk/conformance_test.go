package zk_test

import (
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
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
	addr := zkAddr(t)
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

// TestConformanceZooKeeperChroot runs the checks through sessions under a
// chroot ("host:port/root"): every path a check names, creates, lists or
// hears of in an event is relative to the root, and the nodes land under
// it on the server.
func TestConformanceZooKeeperChroot(t *testing.T) {
	addr := zkAddr(t)
	labtest.RunRealtime(t, func(t *labtest.T) {
		root := fmt.Sprintf("/distlabs-chroot-%d/ns", time.Now().UnixNano())
		plain, err := zk.DialAddr(addr, 4*time.Second, 10*time.Second)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		defer plain.Close()
		defer removeAll(t, plain, path.Dir(root))
		var open []coord.Conn
		defer func() {
			for _, c := range open {
				c.Close()
			}
		}()
		dial := func() coord.Conn {
			c, err := zk.DialAddr(addr+root, 4*time.Second, 10*time.Second)
			if err != nil {
				t.Fatalf("dial %s%s: %v", addr, root, err)
			}
			open = append(open, c)
			return c
		}
		runChecks(t, dial, "/conf")

		// The root is the session's "/": what it creates is under the
		// root on the server, and nothing outside the root is seen.
		c := dial()
		if p, err := c.Create("/x", []byte("in"), 0); err != nil || p != "/x" {
			t.Fatalf("create /x under the chroot = %q, %v", p, err)
		}
		if d, _, err := plain.Get(root + "/x"); err != nil || string(d) != "in" {
			t.Fatalf("the server's %s/x = %q, %v; want the node the chroot made", root, d, err)
		}
		kids, _, err := c.Children("/")
		if err != nil || !slices.Equal(kids, []string{"x"}) {
			t.Fatalf("children of the chroot's / = %v, %v; want [x]", kids, err)
		}
		if ok, _, err := plain.Exists("/x"); err != nil || ok {
			t.Fatalf("/x outside the chroot exists = %v, %v", ok, err)
		}
		if _, err := c.Create("x", nil, 0); !errors.Is(err, coord.ErrInvalidPath) {
			t.Fatalf("create of a relative path under a chroot: %v, want ErrInvalidPath", err)
		}
	})
}

// zkAddr returns the server DISTLABS_ZK names, and skips the test without
// one.
func zkAddr(t *testing.T) string {
	addr := os.Getenv(zkEnv)
	if addr == "" {
		t.Skipf("no ZooKeeper server: run `make zookeeper` (installs and starts Debian's zookeeperd on 127.0.0.1:2181), then %s=127.0.0.1:2181 go test ./coord/zk", zkEnv)
	}
	return addr
}
