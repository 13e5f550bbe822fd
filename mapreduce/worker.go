package mapreduce

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

// DefaultPollInterval is how long a worker waits before asking again when
// the coordinator has nothing for it, or cannot be reached.
const DefaultPollInterval = 100 * time.Millisecond

// DefaultMaxFailures is how many calls in a row must fail before a worker
// concludes that the coordinator is gone (the job is over) and exits.
const DefaultMaxFailures = 3

// ErrCoordinatorGone is returned by RunWorker when the coordinator stopped
// answering: the classic worker's signal that the job is over.
var ErrCoordinatorGone = errors.New("mapreduce: coordinator unreachable")

// Caller is a worker's link to the coordinator; a labrpc *ClientEnd
// (simulated or TCP) is one.
type Caller interface {
	Call(svcMeth string, args interface{}, reply interface{}) bool
}

// WorkerConfig describes one worker.
type WorkerConfig struct {
	// ID identifies the worker within the job (Env.Worker). Required.
	ID string
	// Dir is the job's shared directory. It is a parameter, not the process
	// working directory, so that many workers can run in one test process.
	Dir string
	// App is the application to run. Required.
	App *App
	// Coordinator is the link to the coordinator. Required.
	Coordinator Caller
	// Rand seeds the app's Env.Rand; nil means a randomly seeded source.
	Rand *rand.Rand
	// PollInterval overrides DefaultPollInterval when positive.
	PollInterval time.Duration
	// MaxFailures overrides DefaultMaxFailures when positive.
	MaxFailures int
	// Patience, when positive, also ends the worker (ErrCoordinatorGone)
	// once its calls have been failing for this long, counted from the
	// start of the first failed call: with a coordinator that hangs rather
	// than dies, each call fails only at the link's own timeout, so a
	// count of failures alone could take many timeouts.
	Patience time.Duration
	// NoCombine makes the worker ignore App.Combine (to measure what the
	// combiner buys).
	NoCombine bool
	// Logf, if set, receives one line per task (for the CLI's -v).
	Logf func(format string, args ...interface{})
}

// RunWorker asks the coordinator for tasks and runs them until the job is
// over. It returns nil when told to exit, ErrCoordinatorGone when the
// coordinator stops answering, ErrCrashed when the app crashed the worker
// (the task is abandoned unreported) and any other error wrapped with the
// task it happened in (the task is abandoned too; the coordinator will hand
// it to someone else after TaskTimeout).
func RunWorker(cfg WorkerConfig) error {
	if cfg.App == nil || cfg.Coordinator == nil || cfg.ID == "" {
		panic("mapreduce: RunWorker needs ID, App and Coordinator")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = DefaultMaxFailures
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	//solution:begin
	w := &worker{cfg: cfg, env: &Env{Dir: cfg.Dir, Worker: cfg.ID, Rand: cfg.Rand}}
	return w.loop()
	//solution:stub
	// // Your code here: ask the coordinator for tasks, run them, report
	// // them. Write files under temporary names and rename them into place
	// // (createPending, commit), and run app code under
	// // defer recoverCrash(&err), so that Env.Crash ends this worker.
	// return nil
	//solution:end
}

//solution:begin

// worker is the state of one RunWorker call; only its goroutine touches it.
type worker struct {
	cfg      WorkerConfig
	env      *Env
	failures int       // consecutive failed calls
	failing  time.Time // start of the first of them
	combiner *grouper  // reused by every map task that combines
}

// call makes an RPC and tracks consecutive failures.
func (w *worker) call(svcMeth string, args, reply interface{}) bool {
	start := time.Now()
	if w.cfg.Coordinator.Call(svcMeth, args, reply) {
		w.failures = 0
		return true
	}
	if w.failures == 0 {
		w.failing = start
	}
	w.failures++
	return false
}

// gone reports whether the coordinator has failed long enough to give up.
func (w *worker) gone() bool {
	return w.failures >= w.cfg.MaxFailures ||
		w.failures > 0 && w.cfg.Patience > 0 && time.Since(w.failing) >= w.cfg.Patience
}

// loop is the worker: ask, run, report, until told to exit or the
// coordinator stops answering.
func (w *worker) loop() error {
	for {
		var t GetTaskReply
		if !w.call("Coordinator.GetTask", &GetTaskArgs{Worker: w.cfg.ID}, &t) {
			if w.gone() {
				return ErrCoordinatorGone
			}
			time.Sleep(w.cfg.PollInterval)
			continue
		}
		switch t.Kind {
		case TaskExit:
			return nil
		case TaskMap, TaskReduce:
			if err := w.run(t); err != nil {
				return err
			}
			// A lost report is harmless: the task gets reassigned and
			// redone after TaskTimeout, producing the same files.
			w.call("Coordinator.ReportTask", &ReportTaskArgs{Worker: w.cfg.ID, Kind: t.Kind, ID: t.ID, Attempt: t.Attempt}, &ReportTaskReply{})
		default: // TaskWait, or a kind this worker does not know
			time.Sleep(w.cfg.PollInterval)
		}
	}
}

// run executes one task; an app's Crash becomes ErrCrashed.
func (w *worker) run(t GetTaskReply) (err error) {
	defer recoverCrash(&err)
	if w.cfg.Logf != nil {
		w.cfg.Logf("worker %s: %v task %d", w.cfg.ID, t.Kind, t.ID)
	}
	if t.Kind == TaskMap {
		err = w.doMap(t)
	} else {
		err = w.doReduce(t)
	}
	if err != nil {
		return fmt.Errorf("%v task %d: %w", t.Kind, t.ID, err)
	}
	return nil
}

// doMap runs Map on the task's file and writes mr-X-0 ... mr-X-(NReduce-1).
// Pairs are partitioned and encoded as Map emits them.
func (w *worker) doMap(t GetTaskReply) error {
	data, err := os.ReadFile(resolve(w.cfg.Dir, t.File))
	if err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	outs := make([]*pendingFile, t.NReduce)
	committed := false
	defer func() {
		if committed {
			return
		}
		for _, f := range outs {
			if f != nil {
				f.discard() // error or Crash: nothing reaches a final name
			}
		}
	}()
	encs := make([]*recordWriter, t.NReduce)
	for y := range outs {
		if outs[y], err = createPending(w.cfg.Dir, IntermediateName(t.ID, y)); err != nil {
			return err
		}
		encs[y] = newRecordWriter(outs[y])
	}
	n := len(encs)
	emit := func(key, value string) { encs[IHash(key)%n].write(key, value) }
	if app := w.cfg.App; app.Combine != nil && !w.cfg.NoCombine {
		// Group the task's pairs first, then emit one combined pair per
		// key, in first-seen order (so a re-run writes the same bytes).
		if w.combiner == nil {
			w.combiner = newGrouper()
		}
		g := w.combiner
		g.reset()
		app.Map(w.env, t.File, string(data), g.add)
		for i, key := range g.keys {
			emit(key, app.Combine(w.env, key, g.values[i]))
		}
	} else {
		w.cfg.App.Map(w.env, t.File, string(data), emit)
	}
	for y, enc := range encs {
		if err := enc.flush(); err != nil {
			return fmt.Errorf("write %s: %w", outs[y].Name(), err)
		}
	}
	committed = true // from here on, commit or discard closes each file
	for i, f := range outs {
		if err := f.commit(); err != nil {
			for _, rest := range outs[i+1:] {
				rest.discard()
			}
			return err
		}
	}
	return nil
}

// doReduce groups the pairs of mr-*-Y by key, calls Reduce per key in key
// order and writes mr-out-Y.
func (w *worker) doReduce(t GetTaskReply) error {
	g := newGrouper()
	for x := 0; x < t.NMap; x++ {
		name := IntermediateName(x, t.ID)
		data, err := os.ReadFile(resolve(w.cfg.Dir, name))
		if err != nil {
			return fmt.Errorf("read intermediate: %w", err)
		}
		if err := decodeRecords(string(data), g.add); err != nil {
			return fmt.Errorf("decode %s: %w", name, err)
		}
	}
	out, err := createPending(w.cfg.Dir, OutputName(t.ID))
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			out.discard()
		}
	}()
	if err := g.reduce(w.env, w.cfg.App, out); err != nil {
		return fmt.Errorf("write %s: %w", out.Name(), err)
	}
	committed = true
	return out.commit()
}

//solution:end
