package labtest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"distlabs/labrpc"
	"distlabs/test/timeline"
)

// TimelineDirEnv names a directory where each failing test writes its
// timeline page, <TestName>.html (the grader sets it; every run is then
// recorded, and only failures leave a page).
const TimelineDirEnv = "DISTLABS_TIMELINE_DIR"

var timelineFlag = flag.String("timeline", "", "write a Lamport-diagram page (HTML) of each test's run to this file; a second test of the same run writes FILE-TestName.html (env "+TimelineDirEnv+": a page per failing test in that directory)")

// timelinesWritten counts the pages -timeline wrote in this process, so
// that only the first test takes the name given. Guarded by runMu.
var timelinesWritten int

// recording is one test's timeline and where its page goes.
type recording struct {
	tl     *labrpc.Timeline
	path   string // -timeline: always written
	failed string // TimelineDirEnv: written if the test fails
}

// startRecording returns the test's recording, or nil when no page was
// asked for. It runs inside the test's bubble, so the timeline starts at
// the bubble's virtual time.
func startRecording(name string) *recording {
	r := &recording{}
	if *timelineFlag != "" {
		r.path = *timelineFlag
		if timelinesWritten > 0 {
			ext := filepath.Ext(r.path)
			r.path = strings.TrimSuffix(r.path, ext) + "-" + fileName(name) + ext
		}
		timelinesWritten++
	} else if dir := os.Getenv(TimelineDirEnv); dir != "" {
		r.failed = filepath.Join(dir, fileName(name)+".html")
	} else {
		return nil
	}
	r.tl = labrpc.NewTimeline(0)
	labrpc.SetDefaultTimeline(r.tl)
	return r
}

// finish stops recording and writes the page if one is due, saying where.
func (r *recording) finish(t interface {
	Name() string
	Failed() bool
	Errorf(string, ...any)
}, seed int64) {
	labrpc.SetDefaultTimeline(nil)
	r.tl.Stop()
	path := r.path
	if path == "" && t.Failed() {
		path = r.failed
	}
	if path == "" {
		return
	}
	info := timeline.Info{Test: t.Name(), Seed: seed, Failed: t.Failed(), Replay: ReplayCommand(t.Name(), seed)}
	if err := timeline.WriteFile(path, r.tl, info); err != nil {
		t.Errorf("labtest: timeline page: %v", err)
		return
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	fmt.Printf("--- timeline: %s\n", path)
}

// Step records a step of the test on the run's timeline (a no-op unless
// the run is recorded): what the test did, as the page shows it between
// the lanes. Begin records the test's start line this way.
func (t *T) Step(text string) {
	if tl := labrpc.CurrentTimeline(); tl != nil {
		tl.Step(text)
	}
}

// fileName makes a test name usable as a file name.
func fileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
}
