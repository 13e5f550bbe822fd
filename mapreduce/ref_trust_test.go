//solution:file

package mapreduce_test

import (
	"testing"

	"distlabs/labrpc"
	"distlabs/mapreduce"
	"distlabs/test/labtest"
)

// coordinatorWith serves c on a fresh network and returns a fake worker.
func coordinatorWith(t *labtest.T, c *mapreduce.Coordinator) (*fakeWorker, func()) {
	rn := labrpc.MakeNetwork()
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(c))
	rn.AddServer(coordName, srv)
	end := rn.MakeEnd("forger")
	rn.Connect("forger", coordName)
	rn.Enable("forger", true)
	return &fakeWorker{t: t, name: "forger", end: end}, rn.Cleanup
}

// Issue 11 (trust): a process that could reach the coordinator made it
// report "job done" with 11 forged ReportTask calls. A report counts only
// for a task that was handed out, and, once RequireAttempts is on (the
// CLI), only with the attempt token it was handed out with.
func TestForgedReportsIgnored(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: reports of tasks nobody was given are ignored")
		files := []string{"in-0", "in-1", "in-2"}
		forgeAll := func(w *fakeWorker, attempt uint64) {
			for id := range len(files) {
				w.reportArgs(&mapreduce.ReportTaskArgs{Worker: w.name, Kind: mapreduce.TaskMap, ID: id, Attempt: attempt})
			}
			for id := range 8 {
				w.reportArgs(&mapreduce.ReportTaskArgs{Worker: w.name, Kind: mapreduce.TaskReduce, ID: id, Attempt: attempt})
			}
		}

		// Default (the tests' API): nothing handed out, nothing accepted.
		c := mapreduce.MakeCoordinator(files, 8)
		w, stop := coordinatorWith(t, c)
		forgeAll(w, 0)
		forgeAll(w, 12345)
		if c.Done() {
			t.Fatalf("coordinator done after %d forged reports of tasks it never handed out", 2*(len(files)+8))
		}
		if r := w.expect(mapreduce.TaskMap, "no map task was really done"); r.Attempt == 0 {
			t.Fatalf("a task handed out without an attempt token: %+v", r)
		}
		stop()

		// RequireAttempts: handed out, but reported with the wrong token
		// (or none), the reports do not count; with the right one they do.
		c = mapreduce.MakeCoordinator(files[:1], 1)
		c.RequireAttempts()
		w, stop = coordinatorWith(t, c)
		defer stop()
		m := w.expect(mapreduce.TaskMap, "the map task is idle")
		for _, bad := range []uint64{0, m.Attempt + 1, m.Attempt ^ 1<<40} {
			w.reportArgs(&mapreduce.ReportTaskArgs{Worker: w.name, Kind: mapreduce.TaskMap, ID: m.ID, Attempt: bad})
		}
		w.expect(mapreduce.TaskWait, "the map was reported only with wrong attempts")
		w.reportArgs(&mapreduce.ReportTaskArgs{Worker: w.name, Kind: mapreduce.TaskMap, ID: m.ID, Attempt: m.Attempt})
		r := w.expect(mapreduce.TaskReduce, "the map was reported with its attempt")
		w.reportArgs(&mapreduce.ReportTaskArgs{Worker: w.name, Kind: mapreduce.TaskReduce, ID: r.ID, Attempt: m.Attempt})
		if c.Done() {
			t.Fatalf("a reduce reported with the map's attempt token counted")
		}
		w.reportArgs(&mapreduce.ReportTaskArgs{Worker: w.name, Kind: mapreduce.TaskReduce, ID: r.ID, Attempt: r.Attempt})
		if !c.Done() {
			t.Fatalf("not done after the reduce was reported with its attempt")
		}
		t.Passed(1, 0, 0, 0)
	})
}

func (w *fakeWorker) reportArgs(args *mapreduce.ReportTaskArgs) {
	w.t.Helper()
	if !w.end.Call("Coordinator.ReportTask", args, &mapreduce.ReportTaskReply{}) {
		w.t.Fatalf("%s: ReportTask failed on a reliable network", w.name)
	}
}
