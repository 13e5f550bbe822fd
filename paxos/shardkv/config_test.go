package shardkv

// The harness: a shardmaster of nmasters replicas and ngroups replica
// groups of nreplicas servers (gids 100, 101, ...) on one tester.Net. A
// server reaches the shardmaster through ends of its own and other groups'
// servers by name (makeEnd). Every client operation goes through a
// kvtest.History, checked with porcupine when the test ends; the 2015
// Clerk retries forever, so an operation still running at the end is
// abandoned (Options.Abandon), and a test still running after
// virtualLimit fails instead of hanging.

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/paxos/shardmaster"
	"distlabs/test/kvtest"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

const (
	ms  = time.Millisecond
	sec = time.Second
)

const (
	nmasters  = 3
	ngroups   = 3
	nreplicas = 3
	// virtualLimit bounds a test's virtual time: a stuck service fails
	// the test (its clients are abandoned) instead of hanging it.
	virtualLimit = 120 * sec
)

// group is one replica group.
type group struct {
	*tester.Group[*ShardKV]
	gid int64
}

type config struct {
	t       *labtest.T
	net     *tester.Net
	masters *tester.Group[*shardmaster.ShardMaster]
	groups  []*group
	mck     *shardmaster.Clerk // the test's administrator clerk
	h       *kvtest.History
	clients int // clerks made so far: their history rows and end names
}

// run is the frame of a test: the cluster (no group joined yet), begun
// with desc; at the end the history is checked and the pass line printed.
func run(t *testing.T, unreliable bool, desc string, body func(t *labtest.T, cfg *config)) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, unreliable)
		defer cfg.cleanup()
		limit := time.AfterFunc(virtualLimit, func() {
			t.Errorf("the test is still running after %v of virtual time: the service is stuck (operations never complete)", virtualLimit)
			cfg.h.Stop()
		})
		defer limit.Stop()
		cfg.net.Begin("Test: " + desc)
		body(t, cfg)
		if !t.Failed() {
			cfg.net.Passed(nmasters + ngroups*nreplicas)
		}
	})
}

// makeConfig starts the shardmaster and every group.
func makeConfig(t *labtest.T, unreliable bool) *config {
	net := tester.NewNet(t, !unreliable)
	cfg := &config{t: t, net: net, h: kvtest.NewHistory(t, net, kvtest.Options{Abandon: true})}
	cfg.masters = tester.NewGroup(net, tester.Spec[*shardmaster.ShardMaster]{
		Name: "sm",
		N:    nmasters,
		Start: func(i int, ends []*labrpc.ClientEnd) (*shardmaster.ShardMaster, []any) {
			sm := shardmaster.StartServer(ends, i)
			return sm, []any{sm, sm.Paxos()}
		},
	})
	cfg.masters.StartAll()
	_, ends := cfg.masters.NewClient()
	cfg.mck = shardmaster.MakeClerk(ends)
	for gi := 0; gi < ngroups; gi++ {
		gg := &group{gid: int64(100 + gi)}
		gg.Group = tester.NewGroup(net, tester.Spec[*ShardKV]{
			Name: fmt.Sprintf("g%d", gg.gid),
			N:    nreplicas,
			Start: func(i int, ends []*labrpc.ClientEnd) (*ShardKV, []any) {
				me := gg.ServerName(i)
				sms := make([]*labrpc.ClientEnd, nmasters)
				for j := range sms {
					sms[j] = cfg.link(me+"-sm", cfg.masters.ServerName(j))
				}
				makeEnd := func(name string) *labrpc.ClientEnd { return cfg.link(me+"-out", name) }
				kv := StartServer(gg.gid, sms, ends, i, makeEnd)
				return kv, []any{kv, kv.px}
			},
			Kill: killServer,
		})
		gg.StartAll()
		cfg.groups = append(cfg.groups, gg)
	}
	return cfg
}

// cleanup stops the clients, every server and the network, then checks
// the history.
func (cfg *config) cleanup() {
	cfg.h.Stop()
	for _, gg := range cfg.groups {
		gg.Shutdown()
	}
	cfg.masters.Shutdown()
	cfg.net.Cleanup()
	if !cfg.t.Failed() {
		cfg.h.Check()
	}
}

// killServer kills kv by the name its code gives Kill: the 2015 skeleton
// called it kill (unexported, the tests being in the package), ours calls
// it Kill.
func killServer(kv *ShardKV) {
	switch kv := any(kv).(type) {
	case interface{ Kill() }:
		kv.Kill()
	case interface{ kill() }:
		kv.kill()
	}
}

// link returns a new enabled end named after prefix to server.
func (cfg *config) link(prefix, server string) *labrpc.ClientEnd {
	name, end := cfg.net.NewEnd(prefix, server)
	cfg.net.Enable(name, true)
	return end
}

// servers returns the names of group gi's servers.
func (cfg *config) servers(gi int) []string {
	names := make([]string, nreplicas)
	for i := range names {
		names[i] = cfg.groups[gi].ServerName(i)
	}
	return names
}

// join and leave tell the shardmaster that group gi joins or leaves.
func (cfg *config) join(gi int)  { cfg.mck.Join(cfg.groups[gi].gid, cfg.servers(gi)) }
func (cfg *config) leave(gi int) { cfg.mck.Leave(cfg.groups[gi].gid) }

// client is a Clerk with its row in the history.
type client struct {
	cfg *config
	ck  *Clerk
	id  int
}

// newClient returns a client with a fresh Clerk; only the test goroutine
// makes clients.
func (cfg *config) newClient() *client {
	cfg.clients++
	id := cfg.clients
	_, ends := cfg.masters.NewClient()
	prefix := "c" + strconv.Itoa(id)
	ck := MakeClerk(ends, func(name string) *labrpc.ClientEnd { return cfg.link(prefix, name) })
	return &client{cfg: cfg, ck: ck, id: id}
}

// Get, Put and Append run the operation through the history.
func (c *client) Get(key string) string { return c.cfg.h.Get(c.ck, c.id, key) }
func (c *client) Put(key, value string) { c.cfg.h.Put(c.ck, c.id, key, value) }
func (c *client) Append(key, value string) {
	c.cfg.h.Append(c.ck, c.id, key, value)
}

// check fails the test unless key holds want.
func (c *client) check(key, want string) {
	c.cfg.t.Helper()
	c.cfg.h.Expect(c.ck, c.id, key, want)
}
