package surfstore

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// AppendEntries is Figure 2's receiver: it refuses a stale term, checks
// that its log holds PrevLogIndex with PrevLogTerm, drops a conflicting
// suffix, appends the entries it lacks and advances commitIndex to
// min(LeaderCommit, index of the last new entry). MatchedIndex is the last
// index known to match the leader's log on success, and on a mismatch a
// hint: the highest index at which the logs may still agree.
//
// Log indices count from 0, as in the course: an AppendEntries that starts
// at the beginning of the log has PrevLogIndex -1 (PrevLogTerm 0), and
// commitIndex is -1 while nothing is committed. A crashed server answers
// ErrServerCrashed; one cut off from the sender (MakeServerUnreachableFrom,
// the sender's id travelling in the call's metadata) answers Unavailable.
func (s *RaftSurfstore) AppendEntries(ctx context.Context, in *AppendEntryInput) (*AppendEntryOutput, error) {
	//solution:begin S3
	from, fromKnown := senderID(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.noteState() // runs first, under mu
	switch {
	case s.crashed:
		return nil, ErrServerCrashed
	case fromKnown && s.unreachableFrom[from]:
		return nil, errUnreachable
	}
	if in.Term < 0 || in.Term > maxTerm {
		// Refused before it touches the term: a peer (there is no
		// authentication between servers) must not make a term wrap.
		return nil, status.Errorf(codes.InvalidArgument, "term %d out of range 0..%d", in.Term, int64(maxTerm))
	}
	out := &AppendEntryOutput{ServerId: s.id, Term: s.term, MatchedIndex: -1}
	if in.Term < s.term {
		return out, nil
	}
	if err := checkEntries(in); err != nil {
		// Nor plant entries no leader could have sent.
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if s.status == ServerStatus_LEADER || in.Term > s.term {
		s.debugf("follower of term %d", in.Term)
	}
	s.stepDown(in.Term) // a leader of this term or a later one exists
	out.Term = s.term

	prev := in.PrevLogIndex
	if prev < -1 {
		return out, nil
	}
	if prev > s.lastIndex() {
		out.MatchedIndex = s.lastIndex()
		return out, nil
	}
	if s.termAt(prev) != in.PrevLogTerm {
		out.MatchedIndex = prev - 1
		return out, nil
	}

	// Skip the entries the log already holds; at the first conflict,
	// truncate and append the rest. An entry that matches is never
	// dropped, so a delayed, shorter AppendEntries cannot shorten the log.
	i := 0
	for ; i < len(in.Entries); i++ {
		index := prev + 1 + int64(i)
		if index > s.lastIndex() {
			break
		}
		if s.log[index].Term != in.Entries[i].Term {
			if index <= s.commitIndex {
				// A leader that lacks a committed entry was chosen: the
				// test broke Raft's election restriction. Keep what is
				// committed and refuse.
				out.MatchedIndex = s.commitIndex
				return out, nil
			}
			s.debugf("drop log entries %d..%d: they conflict with the leader's", index, s.lastIndex())
			s.failWaitersFrom(index)
			s.log = s.log[:index]
			break
		}
	}
	s.log = append(s.log, in.Entries[i:]...)

	lastNew := prev + int64(len(in.Entries))
	if c := min(in.LeaderCommit, lastNew); c > s.commitIndex {
		s.commitIndex = c
		s.applyCommitted()
	}
	out.Success = true
	out.MatchedIndex = lastNew
	return out, nil
	//solution:stub
	// // Your code here (S3).
	// return nil, ErrServerCrashed
	//solution:end
}

//solution:begin S3

// maxTerm is the largest term a server accepts or takes. It is one below
// MaxInt64 so that a server at any accepted term can still compute term+1
// without overflow (SetLeader refuses at maxTerm instead). Without this
// bound one AppendEntries of term MaxInt64 made the next SetLeader wrap to
// MinInt64, and two servers led one term with different logs.
const maxTerm = math.MaxInt64 - 1

// checkEntries returns nil if the entries of in could come from a leader
// of in.Term: their terms never decrease, start at or after PrevLogTerm and
// never exceed the message's term (no log holds an entry of a term later
// than its leader's).
func checkEntries(in *AppendEntryInput) error {
	last := in.PrevLogTerm
	for i, e := range in.Entries {
		switch {
		case e == nil:
			return fmt.Errorf("entry %d is missing", i)
		case e.Term > in.Term:
			return fmt.Errorf("entry %d has term %d, after the message's term %d", i, e.Term, in.Term)
		case e.Term < last:
			return fmt.Errorf("entry %d has term %d, before the term %d that precedes it", i, e.Term, last)
		}
		last = e.Term
	}
	return nil
}

// senderID reads the sending server's id from the call's metadata. A call
// without it (a test or tool calling AppendEntries directly) is accepted
// from anyone.
func senderID(ctx context.Context) (int64, bool) {
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return 0, false
	}
	v := md.Get(fromHeader)
	if len(v) != 1 {
		return 0, false
	}
	id, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil {
		return 0, false
	}
	return id, true
}

//solution:end
