package linearize

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// recordingTB captures what Check reports instead of failing the real test.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	logs   []string
}

func (r *recordingTB) Helper()      {}
func (r *recordingTB) Name() string { return "Fake/Test" }
func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

// sequential records ops one after another, each returning before the next.
func sequential(rec *Recorder, steps ...[3]string) {
	for _, s := range steps {
		kind := map[string]OpKind{"get": Get, "put": Put, "append": Append}[s[0]]
		in := Input{Op: kind, Key: s[1]}
		out := ""
		if kind == Get {
			out = s[2]
		} else {
			in.Value = s[2]
		}
		rec.Start(0, in).End(out)
	}
}

func TestSequentialHistoryIsLinearizable(t *testing.T) {
	rec := NewRecorder()
	sequential(rec,
		[3]string{"get", "x", ""},
		[3]string{"put", "x", "a"},
		[3]string{"append", "x", "b"},
		[3]string{"get", "x", "ab"},
		[3]string{"put", "y", "z"},
		[3]string{"get", "y", "z"},
	)
	fake := &recordingTB{}
	if res := Check(fake, rec.Operations(), time.Second); res != "Ok" || len(fake.errors) > 0 {
		t.Fatalf("result %s, errors %q", res, fake.errors)
	}
}

// TestStaleReadFailsWithVisualisation: a Get that misses a Put which
// returned before the Get was called is not linearizable.
func TestStaleReadFailsWithVisualisation(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(VizDirEnv, dir)
	rec := NewRecorder()
	sequential(rec, [3]string{"put", "x", "1"}, [3]string{"get", "x", ""})
	fake := &recordingTB{}
	if res := Check(fake, rec.Operations(), time.Second); res != "Illegal" {
		t.Fatalf("stale read judged %s", res)
	}
	if len(fake.errors) != 1 || !strings.Contains(fake.errors[0], dir) {
		t.Fatalf("failure message should name the visualisation file in %s: %q", dir, fake.errors)
	}
	msg := fake.errors[0]
	path := strings.TrimSpace(msg[strings.LastIndex(msg, " "):])
	html, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(html), "<html") {
		t.Fatalf("visualisation %s: %v", path, err)
	}
}

// TestConcurrentClientsInBubble records a correct store used by concurrent
// clients in virtual time, where many events share one instant: the
// recorder's timestamps must stay strictly ordered and the history must
// check as linearizable.
func TestConcurrentClientsInBubble(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		var mu sync.Mutex
		store := map[string]string{}
		rec := NewRecorder()
		var wg sync.WaitGroup
		for c := range 4 {
			wg.Go(func() {
				for i := range 30 {
					key := fmt.Sprintf("k%d", i%3)
					op := []OpKind{Get, Put, Append}[(c+i)%3]
					in := Input{Op: op, Key: key, Value: fmt.Sprintf("%d.%d;", c, i)}
					p := rec.Start(c, in)
					time.Sleep(time.Millisecond) // virtual: the request's flight
					mu.Lock()
					out := ""
					switch op {
					case Get:
						out = store[key]
					case Put:
						store[key] = in.Value
					case Append:
						store[key] += in.Value
					}
					mu.Unlock()
					time.Sleep(time.Millisecond)
					p.End(out)
				}
			})
		}
		wg.Wait()
		ops := rec.Operations()
		if len(ops) != 120 {
			t.Fatalf("%d ops recorded", len(ops))
		}
		seen := map[int64]bool{}
		for _, op := range ops {
			if op.Call >= op.Return || seen[op.Call] || seen[op.Return] {
				t.Fatalf("timestamps not strictly ordered: %+v", op)
			}
			seen[op.Call], seen[op.Return] = true, true
		}
		Check(t, ops, 10*time.Second)
	})
}

// TestTieBreakCatchesStaleReadAtOneInstant: in a bubble both operations
// happen at the same virtual instant; without the tie-break porcupine
// would see them as concurrent and accept the stale read.
func TestTieBreakCatchesStaleReadAtOneInstant(t *testing.T) {
	t.Setenv(VizDirEnv, t.TempDir())
	labtest.Run(t, func(t *labtest.T) {
		rec := NewRecorder()
		sequential(rec, [3]string{"put", "x", "1"}, [3]string{"get", "x", ""})
		fake := &recordingTB{}
		if res := Check(fake, rec.Operations(), time.Second); res != "Illegal" {
			t.Fatalf("stale read at one virtual instant judged %s", res)
		}
	})
}

func TestEndTwiceIgnored(t *testing.T) {
	rec := NewRecorder()
	p := rec.Start(0, Input{Op: Put, Key: "a", Value: "b"})
	p.End("")
	p.End("")
	if rec.Len() != 1 {
		t.Fatalf("Len = %d", rec.Len())
	}
}

func TestDescribe(t *testing.T) {
	if got := KvModel.DescribeOperation(Input{Op: Append, Key: "k", Value: "v"}, Output{}); got != `Append "k" "v"` {
		t.Fatal(got)
	}
	long := strings.Repeat("x", 100)
	if got := short(long); len(got) >= 100 || !strings.Contains(got, "100 bytes") {
		t.Fatal(got)
	}
}
