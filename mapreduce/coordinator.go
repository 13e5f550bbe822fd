package mapreduce

import (
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

// task is the coordinator's record of one map or reduce task.
type task struct {
	state   taskState
	started time.Time // of the latest assignment, while running
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
			return
		}
	case c.reducesLeft > 0:
		if i := assign(c.reduces, now); i >= 0 {
			reply.Kind, reply.ID = TaskReduce, i
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
	// A late report is as good as a timely one: the worker renamed complete
	// files into place before reporting.
	tasks[args.ID].state = done
	*left--
	//solution:stub
	// // Your code here: mark the task done (once, whoever reports it).
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
