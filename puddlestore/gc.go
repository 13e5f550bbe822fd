package puddlestore

//solution:begin
//solution:stub
// //lint:file-ignore U1000 the handout gives retire for your client to call
//solution:end

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"distlabs/coord"
)

// Dead blocks are collected in two steps. Whoever makes a block
// unreferenced (a Close that replaced it, a Remove, a failed Close) lists
// it in a garbage batch, a sequential node under garbageNode; the
// cluster's collector deletes a batch's blocks from every node once the
// batch is GCGrace old, and then the batch. The grace period is what lets
// readers keep reading the version they opened: blocks are immutable, so
// a reader's snapshot stays whole until its blocks are collected.

// gcBatch is the data of a garbage node.
type gcBatch struct {
	Retired int64    // when the blocks became garbage (Unix nanoseconds)
	IDs     []string // block IDs (each stored under NumReplicas salted keys)
}

// saltedKey is the Tapestry key of replica i of block id.
func saltedKey(id string, i int) string {
	return fmt.Sprintf("%s#%d", id, i)
}

// retire lists ids as garbage.
func retire(conn coord.Conn, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	data, err := json.Marshal(gcBatch{Retired: time.Now().UnixNano(), IDs: ids})
	if err != nil {
		return fmt.Errorf("puddlestore: encode garbage: %w", err)
	}
	if _, err := conn.Create(garbageNode+"/"+gcPrefix, data, coord.Sequential); err != nil {
		return fmt.Errorf("puddlestore: list %d dead blocks: %w", len(ids), err)
	}
	return nil
}

// collectLoop collects every GCInterval until Shutdown.
func (c *Cluster) collectLoop() {
	t := time.NewTicker(GCInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			// A failed round leaves its batches for the next one.
			_, _ = c.collect()
		}
	}
}

// collect deletes the blocks of every batch older than GCGrace from every
// live node and returns how many salted keys the nodes dropped.
func (c *Cluster) collect() (int, error) {
	names, _, err := c.conn.Children(garbageNode)
	if err != nil {
		return 0, fmt.Errorf("puddlestore: list garbage: %w", err)
	}
	dropped := 0
	for _, name := range names {
		p := garbageNode + "/" + name
		data, _, err := c.conn.Get(p)
		if errors.Is(err, coord.ErrNoNode) {
			continue
		}
		if err != nil {
			return dropped, fmt.Errorf("puddlestore: read garbage %s: %w", p, err)
		}
		var b gcBatch
		if err := json.Unmarshal(data, &b); err != nil {
			return dropped, fmt.Errorf("puddlestore: decode garbage %s: %w", p, err)
		}
		if time.Since(time.Unix(0, b.Retired)) < GCGrace {
			// Batches are in order of retirement (sequential names).
			break
		}
		var keys []string
		for _, id := range b.IDs {
			for i := 0; i < c.cfg.NumReplicas; i++ {
				keys = append(keys, saltedKey(id, i))
			}
		}
		for _, m := range c.live() {
			var reply DeleteReply
			m.blocks.Delete(&DeleteArgs{Keys: keys}, &reply)
			dropped += reply.Deleted
		}
		if err := c.conn.Delete(p, coord.AnyVersion); err != nil && !errors.Is(err, coord.ErrNoNode) {
			return dropped, fmt.Errorf("puddlestore: drop garbage %s: %w", p, err)
		}
	}
	return dropped, nil
}
