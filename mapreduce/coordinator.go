package mapreduce

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// TaskTimeout is how long a task may stay unfinished before the coordinator
// hands it to another worker: its first worker may have crashed, or be
// stalled, and the job must not wait for it.
const TaskTimeout = 10 * time.Second

// A Coordinator hands out tasks and tracks their progress. Its exported
// handlers (GetTask, ReportTask) are served over labrpc:
//
//	srv := labrpc.MakeServer()
//	srv.AddService(labrpc.MakeService(c)) // service "Coordinator"
type Coordinator struct {
	//solution:begin
	mu      sync.Mutex // guards everything below
	files   []string
	nReduce int
	maps    []task
	reduces []task
	// mapsLeft and reducesLeft count tasks not yet done. Counting state
	// transitions (not reports) keeps a duplicate or late report from
	// making a phase look finished early.
	mapsLeft    int
	reducesLeft int
	// strict: a report must carry an attempt the coordinator handed out
	// (RequireAttempts); otherwise an attempt of 0 is accepted too.
	strict bool
	//solution:stub
	// // Your code here: the fields the coordinator needs to track its tasks.
	//solution:end
}

//solution:begin

// taskState is where a task is in its life: idle (never handed out),
// running (handed out, maybe more than once), done (reported).
type taskState int

const (
	idle taskState = iota
	running
	done
)

// maxAttempts bounds the attempts a task remembers: a task is reassigned
// at most every TaskTimeout, and a report of an attempt older than the
// last few is as lost as a report that never came.
const maxAttempts = 8

// task is the coordinator's record of one map or reduce task.
type task struct {
	state    taskState
	started  time.Time // of the latest assignment, while running
	attempts []uint64  // tokens of the latest assignments, newest last
}

// newAttempt records a fresh, unguessable attempt token for t and returns
// it. The top bit is always set, so a token is never 0 and always encodes
// in the same number of bytes (traffic sizes stay seed-deterministic).
func (t *task) newAttempt() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	a := binary.BigEndian.Uint64(b[:]) | 1<<63
	if len(t.attempts) == maxAttempts {
		t.attempts = append(t.attempts[:0], t.attempts[1:]...)
	}
	t.attempts = append(t.attempts, a)
	return a
}

// handedOut reports whether attempt a of t was handed out; 0 stands for
// "any attempt" unless strict.
func (t *task) handedOut(a uint64, strict bool) bool {
	if a == 0 {
		return !strict && len(t.attempts) > 0
	}
	for _, b := range t.attempts {
		if a == b {
			return true
		}
	}
	return false
}

// assign picks a task for a worker: an idle one first, else one whose
// worker has had it longer than TaskTimeout. It returns -1 if every task is
// done or running on time.
func assign(tasks []task, now time.Time) int {
	stale := -1
	for i := range tasks {
		switch {
		case tasks[i].state == idle:
			tasks[i].state, tasks[i].started = running, now
			return i
		case stale < 0 && tasks[i].state == running && now.Sub(tasks[i].started) >= TaskTimeout:
			stale = i
		}
	}
	if stale >= 0 {
		tasks[stale].started = now // a fresh attempt gets a fresh deadline
	}
	return stale
}

//solution:end

// MakeCoordinator returns a coordinator for a job with one map task per
// file (map task X reads files[X]) and nReduce reduce tasks. nReduce must be
// at least 1.
func MakeCoordinator(files []string, nReduce int) *Coordinator {
	if nReduce < 1 {
		panic("mapreduce: MakeCoordinator needs nReduce >= 1")
	}
	//solution:begin
	return &Coordinator{
		files:       append([]string(nil), files...),
		nReduce:     nReduce,
		maps:        make([]task, len(files)),
		reduces:     make([]task, nReduce),
		mapsLeft:    len(files),
		reducesLeft: nReduce,
	}
	//solution:stub
	// // Your code here: set up one map task per file and nReduce reduce tasks.
	// return &Coordinator{}
	//solution:end
}

// GetTask is the RPC handler a worker calls to ask for work. Reduce tasks
// are handed out only after every map task is done; once every reduce task
// is done, the answer is TaskExit.
func (c *Coordinator) GetTask(args *GetTaskArgs, reply *GetTaskReply) {
	//solution:begin
	c.mu.Lock()
	defer c.mu.Unlock()
	reply.NMap, reply.NReduce = len(c.files), c.nReduce
	now := time.Now()
	switch {
	case c.mapsLeft > 0:
		if i := assign(c.maps, now); i >= 0 {
			reply.Kind, reply.ID, reply.File = TaskMap, i, c.files[i]
			reply.Attempt = c.maps[i].newAttempt()
			return
		}
	case c.reducesLeft > 0:
		if i := assign(c.reduces, now); i >= 0 {
			reply.Kind, reply.ID = TaskReduce, i
			reply.Attempt = c.reduces[i].newAttempt()
			return
		}
	default:
		reply.Kind = TaskExit
		return
	}
	reply.Kind = TaskWait
	//solution:stub
	// // Your code here: hand out a task, or tell the worker to wait or exit.
	// reply.Kind = TaskWait
	//solution:end
}

// ReportTask is the RPC handler a worker calls when its task's output files
// are in place. Reports may come twice (a retried RPC) or late (from a
// worker whose task was reassigned): a task is done once, whoever reports.
// A report counts only for a task that was handed out, with the attempt
// it was handed out with (an attempt of 0 matches any unless
// RequireAttempts was called): forged reports are ignored.
func (c *Coordinator) ReportTask(args *ReportTaskArgs, reply *ReportTaskReply) {
	//solution:begin
	c.mu.Lock()
	defer c.mu.Unlock()
	var tasks []task
	var left *int
	switch args.Kind {
	case TaskMap:
		tasks, left = c.maps, &c.mapsLeft
	case TaskReduce:
		tasks, left = c.reduces, &c.reducesLeft
	default:
		return
	}
	if args.ID < 0 || args.ID >= len(tasks) || tasks[args.ID].state == done {
		return // nonsense, or a duplicate: nothing to do
	}
	if !tasks[args.ID].handedOut(args.Attempt, c.strict) {
		return // nobody was given this task (attempt): a forgery or a bug
	}
	// A late report is as good as a timely one: the worker renamed complete
	// files into place before reporting.
	tasks[args.ID].state = done
	*left--
	//solution:stub
	// // Your code here: mark the task done (once, whoever reports it).
	//solution:end
}

// RequireAttempts makes the coordinator accept a report only with an
// attempt token it handed out (GetTaskReply.Attempt), not with 0. The CLI
// calls it: its port is reachable by any process on the machine.
func (c *Coordinator) RequireAttempts() {
	//solution:begin
	c.mu.Lock()
	defer c.mu.Unlock()
	c.strict = true
	//solution:stub
	// // Your code here (optional): remember to check GetTaskReply.Attempt in ReportTask.
	//solution:end
}

// Done reports whether the whole job has finished (every reduce task done).
// The CLI polls it to decide when to exit.
func (c *Coordinator) Done() bool {
	//solution:begin
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mapsLeft == 0 && c.reducesLeft == 0
	//solution:stub
	// // Your code here.
	// return false
	//solution:end
}
