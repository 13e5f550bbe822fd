//solution:file E
package puddlestore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"time"

	"distlabs/labrpc"
)

// Blocks travel in batches of at most batchBytes per call, and a client
// has at most parallel calls to block servers in flight: a 64 MB file is
// thousands of blocks.
const (
	batchBytes = 1 << 20
	parallel   = 16
)

// refreshServers lists the block servers registered in the service.
func (c *client) refreshServers() ([]string, error) {
	names, _, err := c.conn.Children(nodesNode)
	if err != nil {
		return nil, fmt.Errorf("list block servers: %w", err)
	}
	var addrs []string
	for _, n := range names {
		data, _, err := c.conn.Get(nodesNode + "/" + n)
		if err != nil {
			continue // unregistered since the listing
		}
		addrs = append(addrs, string(data))
	}
	if len(addrs) == 0 {
		return nil, errors.New("no block server is registered")
	}
	c.mu.Lock()
	c.servers = addrs
	c.mu.Unlock()
	return addrs, nil
}

// knownServers returns the block servers as last listed, listing them if
// the client has not yet.
func (c *client) knownServers() ([]string, error) {
	c.mu.Lock()
	s := c.servers
	c.mu.Unlock()
	if len(s) > 0 {
		return s, nil
	}
	return c.refreshServers()
}

// end returns the client's end to the block server at addr.
func (c *client) end(addr string) (*labrpc.ClientEnd, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exited {
		return nil, ErrExited
	}
	if e, ok := c.ends[addr]; ok {
		return e, nil
	}
	dial := c.env.Dial
	host := c.host
	e := labrpc.MakeStreamEnd(addr, func(ctx context.Context) (net.Conn, error) {
		return dial(ctx, host, addr)
	})
	e.SetTimeout(CallTimeout)
	c.ends[addr] = e
	return e, nil
}

// perm returns a random permutation of n.
func (c *client) perm(n int) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rand.Perm(n)
}

// replica is one salted copy of a block on its way to a block server:
// the servers to try, in order, and the next one.
type replica struct {
	block Block
	cands []string
	next  int
}

// storeBlocks stores every block under NumReplicas salted keys, each on a
// different block server where there are enough (copy i goes to the i-th
// server of a random order of them; a server that fails is replaced by
// the next in that order, one that holds no other copy first).
func (c *client) storeBlocks(blocks map[string][]byte) error {
	if len(blocks) == 0 {
		return nil
	}
	servers, err := c.refreshServers()
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(blocks))
	for id := range blocks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	r := c.cfg.NumReplicas
	var pending []*replica
	for _, id := range ids {
		order := c.perm(len(servers))
		for i := 0; i < r; i++ {
			var cands []string
			// Copy i first on its own server, then on servers holding
			// no copy, then anywhere (fewer servers than copies).
			cands = append(cands, servers[order[i%len(servers)]])
			for _, j := range order[min(r, len(order)):] {
				cands = append(cands, servers[j])
			}
			for _, j := range order {
				cands = append(cands, servers[j])
			}
			pending = append(pending, &replica{block: Block{Key: saltedKey(id, i), Data: blocks[id]}, cands: cands})
		}
	}
	for len(pending) > 0 {
		failed, err := c.storeRound(pending)
		if err != nil {
			return err
		}
		pending = failed
	}
	return nil
}

// storeRound sends each replica to its next candidate, in batches by
// server, and returns those that failed, advanced to their next
// candidate; it fails when one has no candidate left.
func (c *client) storeRound(pending []*replica) ([]*replica, error) {
	type batch struct {
		addr string
		reps []*replica
		size int
	}
	var batches []*batch
	open := map[string]*batch{}
	for _, rep := range pending {
		addr := rep.cands[rep.next]
		b := open[addr]
		if b == nil || b.size+len(rep.block.Data) > batchBytes {
			b = &batch{addr: addr}
			open[addr] = b
			batches = append(batches, b)
		}
		b.reps = append(b.reps, rep)
		b.size += len(rep.block.Data)
	}
	var mu sync.Mutex
	var failed []*replica
	var lastErr error
	c.each(len(batches), func(i int) {
		b := batches[i]
		args := &StoreArgs{}
		for _, rep := range b.reps {
			args.Blocks = append(args.Blocks, rep.block)
		}
		var reply StoreReply
		err := c.call(b.addr, "BlockServer.Store", args, &reply, func() string { return reply.Err })
		if err == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		lastErr = err
		failed = append(failed, b.reps...)
	})
	for _, rep := range failed {
		rep.next++
		if rep.next >= len(rep.cands) {
			return nil, fmt.Errorf("store %s: every block server failed: %w", rep.block.Key, lastErr)
		}
	}
	return failed, nil
}

// fetchBlocks fetches blocks by index, in parallel.
func (c *client) fetchBlocks(ids map[uint64]string) (map[uint64][]byte, error) {
	ks := make([]uint64, 0, len(ids))
	for k := range ids {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	got := make([][]byte, len(ks))
	errs := make([]error, len(ks))
	c.each(len(ks), func(i int) {
		got[i], errs[i] = c.fetchBlock(ids[ks[i]])
	})
	out := make(map[uint64][]byte, len(ks))
	for i, k := range ks {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out[k] = got[i]
	}
	return out, nil
}

// fetchBlock fetches block id: its salted copies in a random order, each
// looked up in the mesh through a random block server, until one answers.
// A copy whose Tapestry root died is found again once its holder
// republishes it to the new root, so the client keeps trying for
// FetchPatience.
func (c *client) fetchBlock(id string) ([]byte, error) {
	deadline := time.Now().Add(FetchPatience)
	var lastErr error
	for {
		servers, err := c.knownServers()
		if err != nil {
			return nil, err
		}
		for _, i := range c.perm(c.cfg.NumReplicas) {
			key := saltedKey(id, i)
			for try := 0; try < 2; try++ {
				addr := servers[c.perm(len(servers))[0]]
				var reply GetReply
				err := c.call(addr, "BlockServer.Get", &GetArgs{Key: key}, &reply, func() string { return reply.Err })
				if err == nil {
					return reply.Data, nil
				}
				if errors.Is(err, ErrExited) {
					return nil, err
				}
				lastErr = err
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: block %s: %w", ErrBlockMissing, id, lastErr)
		}
		time.Sleep(time.Second)
		if _, err := c.refreshServers(); err != nil {
			return nil, err
		}
	}
}

// call calls method at the block server at addr; a lost call, or an error
// the server reports in the reply (remoteErr), is an error.
func (c *client) call(addr, method string, args, reply any, remoteErr func() string) error {
	e, err := c.end(addr)
	if err != nil {
		return err
	}
	if !e.Call(method, args, reply) {
		return fmt.Errorf("%s at %s: no reply", method, addr)
	}
	if s := remoteErr(); s != "" {
		return fmt.Errorf("%s at %s: %s", method, addr, s)
	}
	return nil
}

// each runs f(0) ... f(n-1), at most parallel at a time, and waits for
// them all.
func (c *client) each(n int, f func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(i)
		}()
	}
	wg.Wait()
}
