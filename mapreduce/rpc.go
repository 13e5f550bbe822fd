package mapreduce

// The worker–coordinator protocol. The types are part of the lab's given
// API (the tests drive a coordinator through them directly), so keep them.

// TaskKind says what a worker should do next.
type TaskKind int

// Task kinds in a GetTask reply (and in a report).
const (
	// TaskWait: nothing to hand out right now (e.g. every map task is
	// running but reduce may not start yet); ask again a little later.
	TaskWait TaskKind = iota
	// TaskMap: run map task ID on File.
	TaskMap
	// TaskReduce: run reduce task ID over mr-0-ID ... mr-(NMap-1)-ID.
	TaskReduce
	// TaskExit: the job is done; the worker should exit.
	TaskExit
)

// String names the kind, for logs.
func (k TaskKind) String() string {
	switch k {
	case TaskWait:
		return "wait"
	case TaskMap:
		return "map"
	case TaskReduce:
		return "reduce"
	case TaskExit:
		return "exit"
	}
	return "TaskKind(?)"
}

// GetTaskArgs asks the coordinator for work (Coordinator.GetTask).
type GetTaskArgs struct {
	Worker string // the asking worker's identity, for logs
}

// GetTaskReply is the coordinator's answer.
type GetTaskReply struct {
	Kind    TaskKind
	ID      int    // map task X or reduce task Y
	File    string // input file of a map task
	NMap    int    // number of map tasks (reduce tasks read NMap files)
	NReduce int    // number of reduce partitions (map tasks write NReduce files)
	// Attempt identifies this handing-out of the task (unguessable, never
	// 0); the worker echoes it in its report. A coordinator that hands out
	// attempts accepts a report only with one of them (see
	// Coordinator.RequireAttempts), so a process that can reach its port
	// cannot report work nobody did.
	Attempt uint64
}

// ReportTaskArgs tells the coordinator a task is finished and its output
// files are in place (Coordinator.ReportTask).
type ReportTaskArgs struct {
	Worker  string
	Kind    TaskKind // TaskMap or TaskReduce
	ID      int
	Attempt uint64 // GetTaskReply.Attempt of the task being reported
}

// ReportTaskReply is empty: a report needs no answer, and a lost reply is
// harmless because reporting again is harmless.
type ReportTaskReply struct{}
