package mapreduce_test

import (
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/mapreduce"
	"distlabs/test/labtest"
)

// fakeWorker drives the coordinator's RPCs by hand.
type fakeWorker struct {
	t    *labtest.T
	name string
	end  *labrpc.ClientEnd
}

func (w *fakeWorker) get() mapreduce.GetTaskReply {
	w.t.Helper()
	var reply mapreduce.GetTaskReply
	if !w.end.Call("Coordinator.GetTask", &mapreduce.GetTaskArgs{Worker: w.name}, &reply) {
		w.t.Fatalf("%s: GetTask failed on a reliable network", w.name)
	}
	return reply
}

func (w *fakeWorker) report(kind mapreduce.TaskKind, id int) {
	w.t.Helper()
	args := &mapreduce.ReportTaskArgs{Worker: w.name, Kind: kind, ID: id}
	if !w.end.Call("Coordinator.ReportTask", args, &mapreduce.ReportTaskReply{}) {
		w.t.Fatalf("%s: ReportTask failed on a reliable network", w.name)
	}
}

func (w *fakeWorker) expect(kind mapreduce.TaskKind, why string) mapreduce.GetTaskReply {
	w.t.Helper()
	r := w.get()
	if r.Kind != kind {
		w.t.Fatalf("%s: got %v task %d, want %v: %s", w.name, r.Kind, r.ID, kind, why)
	}
	return r
}

// TestReportTwiceOrLate drives a coordinator through reports that come
// twice (a retried RPC) or late (from a worker whose task was reassigned
// after the 10 s timeout, spec "late results ... are ignored or
// harmless"). Neither may count a task twice: reduce must not start while a
// map is unfinished, and Done must not turn true while a reduce is.
func TestReportTwiceOrLate(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: coordinator handles tasks reported twice or late")
		rn := labrpc.MakeNetwork()
		defer rn.Cleanup()
		c := mapreduce.MakeCoordinator([]string{"in-0", "in-1"}, 2)
		srv := labrpc.MakeServer()
		srv.AddService(labrpc.MakeService(c))
		rn.AddServer(coordName, srv)
		w := make([]*fakeWorker, 3)
		for i := range w {
			name := "fake" + string(rune('1'+i))
			w[i] = &fakeWorker{t: t, name: name, end: rn.MakeEnd(name)}
			rn.Connect(name, coordName)
			rn.Enable(name, true)
		}

		a := w[0].expect(mapreduce.TaskMap, "two map tasks are idle")
		b := w[1].expect(mapreduce.TaskMap, "one map task is idle")
		if a.ID == b.ID || a.NReduce != 2 || a.NMap != 2 {
			t.Fatalf("map tasks %+v and %+v: want distinct tasks with NMap 2, NReduce 2", a, b)
		}
		w[2].expect(mapreduce.TaskWait, "both maps are running")

		w[0].report(mapreduce.TaskMap, a.ID)
		w[0].report(mapreduce.TaskMap, a.ID) // twice
		w[0].report(mapreduce.TaskMap, 99)   // nonsense is ignored
		w[0].report(mapreduce.TaskReduce, -1)
		w[2].expect(mapreduce.TaskWait, "map "+b.File+" is still running after map "+a.File+" was reported twice")
		if c.Done() {
			t.Fatalf("Done with a map task running")
		}

		time.Sleep(mapreduce.TaskTimeout + time.Second)
		b2 := w[2].expect(mapreduce.TaskMap, "the running map task timed out and must be reassigned")
		if b2.ID != b.ID || b2.File != b.File {
			t.Fatalf("reassigned %+v, want the timed-out map %+v", b2, b)
		}
		w[1].report(mapreduce.TaskMap, b.ID) // late: the first worker was slow, not dead
		w[2].report(mapreduce.TaskMap, b.ID) // and the second one finishes too

		r0 := w[2].expect(mapreduce.TaskReduce, "every map is done")
		r1 := w[0].expect(mapreduce.TaskReduce, "one reduce task is idle")
		if r0.ID == r1.ID || r0.NMap != 2 {
			t.Fatalf("reduce tasks %+v and %+v: want distinct tasks with NMap 2", r0, r1)
		}
		w[1].expect(mapreduce.TaskWait, "both reduces are running")
		w[2].report(mapreduce.TaskReduce, r0.ID)
		w[2].report(mapreduce.TaskReduce, r0.ID)
		if c.Done() {
			t.Fatalf("Done while reduce task %d is running (reduce %d was reported twice)", r1.ID, r0.ID)
		}
		w[1].expect(mapreduce.TaskWait, "a reduce is still running")

		time.Sleep(mapreduce.TaskTimeout + time.Second)
		r1b := w[1].expect(mapreduce.TaskReduce, "the running reduce timed out")
		if r1b.ID != r1.ID {
			t.Fatalf("reassigned reduce %d, want %d", r1b.ID, r1.ID)
		}
		w[0].report(mapreduce.TaskReduce, r1.ID) // late
		if !c.Done() {
			t.Fatalf("not Done after every reduce task was reported")
		}
		w[1].report(mapreduce.TaskReduce, r1.ID) // after Done: harmless
		if !c.Done() {
			t.Fatalf("a late report after Done undid Done")
		}
		w[1].expect(mapreduce.TaskExit, "the job is done")
		t.Passed(3, rn.GetTotalCount(), rn.GetTotalBytes(), 0)
	})
}
