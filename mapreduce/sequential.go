package mapreduce

import (
	"fmt"
	"math/rand/v2"
	"os"
)

// RunSequential runs app over files in one goroutine, with no intermediate
// files, and writes every output line to dir/out (sorted by key). It is the
// reference the distributed runs are compared with, and the baseline they
// are timed against: it uses the same app code (combiner included) and the
// same grouping as the workers, minus the partitioning, encoding, files and
// RPCs.
// Relative file names are taken relative to dir.
func RunSequential(app *App, dir string, files []string, out string) error {
	return runSequential(app, dir, files, out, true)
}

// RunSequentialNoCombine is RunSequential ignoring App.Combine (to measure
// what the combiner buys).
func RunSequentialNoCombine(app *App, dir string, files []string, out string) error {
	return runSequential(app, dir, files, out, false)
}

func runSequential(app *App, dir string, files []string, out string, combine bool) (err error) {
	defer recoverCrash(&err)
	env := &Env{Dir: dir, Worker: "sequential", Rand: rand.New(rand.NewPCG(1, 2))}
	g, fg := newGrouper(), newGrouper()
	for _, name := range files {
		data, err := os.ReadFile(resolve(dir, name))
		if err != nil {
			return fmt.Errorf("sequential %s: %w", app.Name, err)
		}
		if app.Combine != nil && combine {
			// Combine per file, exactly as a map task does, so the
			// baseline gets the combiner's savings too.
			fg.reset()
			app.Map(env, name, string(data), fg.add)
			for i, key := range fg.keys {
				g.add(key, app.Combine(env, key, fg.values[i]))
			}
		} else {
			app.Map(env, name, string(data), g.add)
		}
	}
	f, err := createPending(dir, out)
	if err != nil {
		return fmt.Errorf("sequential %s: %w", app.Name, err)
	}
	committed := false
	defer func() {
		if !committed {
			f.discard() // also on a Crash panic unwinding through reduce
		}
	}()
	if err := g.reduce(env, app, f); err != nil {
		return fmt.Errorf("sequential %s: write %s: %w", app.Name, out, err)
	}
	committed = true
	if err := f.commit(); err != nil {
		return fmt.Errorf("sequential %s: %w", app.Name, err)
	}
	return nil
}
