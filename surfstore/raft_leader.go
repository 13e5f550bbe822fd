package surfstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

//solution:begin S3

// Timing of the leader's exchanges. Leadership and heartbeats are driven by
// the test, so these only bound how long one call may take.
const (
	// appendTimeout bounds one AppendEntries exchange with one peer.
	appendTimeout = 500 * time.Millisecond
	// retryInterval is the pause between UpdateFile's replication rounds
	// while no majority has the entry (a majority crashed or cut off).
	retryInterval = 50 * time.Millisecond
)

// fromHeader is the gRPC metadata key naming the sending server's id on an
// AppendEntries, so the receiver can refuse peers it is unreachable from.
const fromHeader = "surfstore-raft-from"

//solution:end

// SetLeader makes this server the leader of term+1 (the course's variant:
// the test, not an election, chooses the leader) and appends a no-op entry
// of that term, an UpdateOperation with no FileMetaData, as the course's
// write-up asks. It returns at once, as the course's does: the followers
// get the no-op (and learn of the leader) at the next SendHeartbeat or
// UpdateFile. Once the no-op is on a majority it commits, and with it every
// entry of earlier terms before it (Raft §5.4.2, §8), so the new leader's
// file map catches up at its first heartbeat that reaches a majority.
func (s *RaftSurfstore) SetLeader(ctx context.Context, _ *emptypb.Empty) (*Success, error) {
	//solution:begin S3
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.crashed {
		return nil, ErrServerCrashed
	}
	if s.term >= maxTerm {
		// term+1 would leave the range every server accepts; refusing
		// keeps terms from wrapping (safety) at the cost of liveness.
		return nil, status.Errorf(codes.FailedPrecondition, "term %d is the last one: no server can lead a later term", s.term)
	}
	s.stepDown(s.term + 1) // ends the waiters of a leadership this replaces
	s.status = ServerStatus_LEADER
	for _, p := range s.peers {
		p.nextIndex = int64(len(s.log))
		p.matchIndex = -1
	}
	// The no-op: applying it leaves the file map alone (applyCommitted
	// skips a nil FileMetaData), and no caller waits for it.
	s.log = append(s.log, &UpdateOperation{Term: s.term, FileMetaData: nil})
	s.debugf("leader of term %d, log of %d entries ending in its no-op", s.term, len(s.log))
	s.advanceCommit() // a one-server cluster commits at once
	return &Success{Flag: true}, nil
	//solution:stub
	// // Your code here (S3): leader of term+1, then the no-op
	// // &UpdateOperation{Term: term, FileMetaData: nil} in the log.
	// return nil, ErrNotLeader
	//solution:end
}

// SendHeartbeat sends one AppendEntries exchange to every peer (with the
// entries it lacks, repairing its log if it diverged) and returns once each
// has answered or failed. Flag is true if a majority, counting the leader,
// has the leader's log.
func (s *RaftSurfstore) SendHeartbeat(ctx context.Context, _ *emptypb.Empty) (*Success, error) {
	//solution:begin S3
	s.mu.Lock()
	if err := s.leaderErr(); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	term := s.term
	s.mu.Unlock()
	acked := s.replicateRound(ctx, term, -1)
	return &Success{Flag: 2*(acked+1) > len(s.peers)+1}, nil
	//solution:stub
	// // Your code here (S3). A peer that fails (crashed, unreachable)
	// // counts as not reached: do not retry it in a loop without waiting
	// // (virtual time stands still while a goroutine spins; see UpdateFile).
	// return nil, ErrNotLeader
	//solution:end
}

// UpdateFile appends the update to the leader's log and returns the version
// the MetaStore gives it once a majority has the entry and it is applied
// (-1 for a version conflict). An update the MetaStore would refuse (a bad
// file name, an oversized hash list) fails with InvalidArgument and is not
// logged.
// While no majority can be reached it keeps trying, until the caller's
// deadline or until the server crashes or stops being the leader.
func (s *RaftSurfstore) UpdateFile(ctx context.Context, meta *FileMetaData) (*Version, error) {
	//solution:begin S3
	if err := checkUpdate(meta); err != nil {
		// Refused before it reaches the log: every replica would refuse it.
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	s.mu.Lock()
	if err := s.leaderErr(); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	term := s.term
	index := int64(len(s.log))
	s.log = append(s.log, &UpdateOperation{Term: term, FileMetaData: proto.Clone(meta).(*FileMetaData)})
	w := &waiter{term: term, result: make(chan updateResult, 1)}
	s.waiters[index] = w
	s.advanceCommit() // a one-server cluster commits at once
	s.mu.Unlock()

	for {
		s.replicateRound(ctx, term, index)
		select {
		case r := <-w.result:
			return versionOrErr(r)
		default:
		}
		t := time.NewTimer(retryInterval)
		select {
		case r := <-w.result:
			t.Stop()
			return versionOrErr(r)
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			s.dropWaiter(index, w)
			return nil, status.FromContextError(ctx.Err()).Err()
		case <-s.done:
			t.Stop()
			return nil, errStopped
		}
	}
	//solution:stub
	// // Your code here (S3). Return errors, never log.Fatal or os.Exit
	// // (the tests run every server in one process). A loop that retries
	// // until a majority answers must wait between tries (for example
	// // time.Sleep(50 * time.Millisecond)) and give up when ctx is done:
	// // the tests run in virtual time, which stands still while any
	// // goroutine spins, so a busy loop never sees a server restored.
	// return nil, ErrNotLeader
	//solution:end
}

//solution:begin S3

// versionOrErr turns an UpdateFile outcome into its reply.
func versionOrErr(r updateResult) (*Version, error) {
	if r.err != nil {
		return nil, r.err
	}
	return &Version{Version: r.version}, nil
}

// dropWaiter forgets w if it still waits at index (its caller gave up).
func (s *RaftSurfstore) dropWaiter(index int64, w *waiter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiters[index] == w {
		delete(s.waiters, index)
	}
}

// leaderErr says why the server cannot act as leader now (nil if it can).
func (s *RaftSurfstore) leaderErr() error {
	switch {
	case s.crashed:
		return ErrServerCrashed
	case s.status != ServerStatus_LEADER:
		return ErrNotLeader
	}
	return nil
}

// replicateRound runs one exchange with every peer whose matchIndex is
// below upTo (every peer if upTo is -1), all at once, and returns how many
// peers have the whole log the leader sent them. The goroutines are this
// call's and all end before it returns.
func (s *RaftSurfstore) replicateRound(ctx context.Context, term, upTo int64) int {
	s.mu.Lock()
	var todo []*peer
	acked := 0
	for _, p := range s.peers {
		if upTo >= 0 && p.matchIndex >= upTo {
			acked++
			continue
		}
		todo = append(todo, p)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, p := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.replicateTo(ctx, p, term) {
				mu.Lock()
				acked++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return acked
}

// replicateTo brings peer p's log in line with the leader's of term: it
// sends the entries from p.nextIndex on (in batches if they do not fit in
// one message) and, while p's log does not match at the previous index,
// backs nextIndex up and tries again; each exchange moves nextIndex, so the
// loop ends within two exchanges per log entry. It reports whether p
// acknowledged the leader's whole log.
func (s *RaftSurfstore) replicateTo(ctx context.Context, p *peer, term int64) bool {
	select {
	case p.send <- struct{}{}:
		defer func() { <-p.send }()
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
	ctx = metadata.AppendToOutgoingContext(ctx, fromHeader, strconv.FormatInt(s.id, 10))
	for {
		s.mu.Lock()
		if !s.isLeader() || s.term != term || s.unreachableFrom[p.id] {
			s.mu.Unlock()
			return false
		}
		prev := p.nextIndex - 1
		in := &AppendEntryInput{
			Term:         term,
			LeaderId:     s.id,
			PrevLogIndex: prev,
			PrevLogTerm:  s.termAt(prev),
			Entries:      batch(s.log[p.nextIndex:]),
			LeaderCommit: s.commitIndex,
		}
		s.mu.Unlock()

		actx, cancel := context.WithTimeout(ctx, appendTimeout)
		out, err := p.client.AppendEntries(actx, in)
		cancel()
		if err != nil {
			return false
		}

		if out.Term > maxTerm {
			return false // no server answers a term it could not accept
		}
		s.mu.Lock()
		if out.Term > s.term {
			s.debugf("server %d is at term %d: follower", p.id, out.Term)
			s.stepDown(out.Term)
			s.noteState()
		}
		if !s.isLeader() || s.term != term {
			s.mu.Unlock()
			return false
		}
		if out.Success {
			match := prev + int64(len(in.Entries))
			if match > p.matchIndex {
				p.matchIndex = match
			}
			if match+1 > p.nextIndex {
				p.nextIndex = match + 1
			}
			s.advanceCommit()
			more := match < s.lastIndex()
			s.mu.Unlock()
			if !more {
				return true
			}
			continue // the log did not fit in one message
		}
		// The follower's log does not hold prev with prevLogTerm. Its
		// MatchedIndex hints where its log could still match (its last
		// index when it is shorter); never move forward, always move back.
		next := prev
		if out.MatchedIndex+1 < next {
			next = out.MatchedIndex + 1
		}
		if next < 0 {
			next = 0
		}
		p.nextIndex = next
		s.mu.Unlock()
		if prev < 0 {
			return false // a follower refusing index -1 answered out of protocol
		}
	}
}

// An AppendEntries must pass the receiver's caps: its size under
// MaxMetaStoreMessage and its decode cost under the budget (limits.go),
// each with room for the message's other fields. A longer log goes in
// several exchanges; one entry always fits (UpdateFile checked its size).
const (
	maxAppendBytes = MaxMetaStoreMessage - 64<<10
	maxAppendCost  = 2*MaxMetaStoreMessage - 64<<10
)

// batch returns the longest prefix of entries (at least one) within
// maxAppendBytes and maxAppendCost, as a slice of its own.
func batch(entries []*UpdateOperation) []*UpdateOperation {
	size, cost := 0, 0
	for i, e := range entries {
		n := proto.Size(e)
		size += n + 6 // the entry's tag and length
		// decodeCost counts a field's strings once and every field at
		// decodeCostPerField: at most 5 fields beside the hashes.
		cost += n + decodeCostPerField*(5+len(e.GetFileMetaData().GetBlockHashList()))
		if i > 0 && (size > maxAppendBytes || cost > maxAppendCost) {
			return append([]*UpdateOperation(nil), entries[:i]...)
		}
	}
	return append([]*UpdateOperation(nil), entries...)
}

// advanceCommit moves the leader's commitIndex to the highest index of its
// own term that a majority holds (Figure 2: entries of earlier terms commit
// only with a later one of the current term) and applies what committed.
func (s *RaftSurfstore) advanceCommit() {
	for n := s.lastIndex(); n > s.commitIndex; n-- {
		if s.log[n].Term != s.term {
			break
		}
		count := 1
		for _, p := range s.peers {
			if p.matchIndex >= n {
				count++
			}
		}
		if 2*count > len(s.peers)+1 {
			s.commitIndex = n
			break
		}
	}
	s.applyCommitted()
}

// applyCommitted applies the entries up to commitIndex to the MetaStore in
// log order and hands each waiting UpdateFile its result. The MetaStore is
// a local object with a lock of its own, taken only below s.mu.
func (s *RaftSurfstore) applyCommitted() {
	for s.lastApplied < s.commitIndex {
		s.lastApplied++
		entry := s.log[s.lastApplied]
		s.debugf("apply entry %d (term %d): %v", s.lastApplied, entry.Term, entry.FileMetaData)
		version := int32(-1)
		var applyErr error
		if entry.FileMetaData != nil {
			v, err := s.metaStore.UpdateFile(context.Background(), proto.Clone(entry.FileMetaData).(*FileMetaData))
			if err != nil {
				// Every replica refuses the same update the same way, so
				// the state machines stay equal; only the caller hears why.
				applyErr = fmt.Errorf("apply log entry %d: %w", s.lastApplied, err)
			} else {
				version = v.Version
			}
		}
		if w := s.waiters[s.lastApplied]; w != nil {
			delete(s.waiters, s.lastApplied)
			if w.term == entry.Term {
				w.result <- updateResult{version: version, err: applyErr}
			} else {
				w.result <- updateResult{version: -1, err: ErrNotLeader}
			}
		}
	}
	s.noteState()
}

//solution:end
