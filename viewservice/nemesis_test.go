package viewservice

// A randomized nemesis for part A: pretend servers ping as correct servers
// do (each adopts and acknowledges every view it is told) while the nemesis
// silences them (a crash or a partition from the view service), restarts
// them (they ping 0) and makes the network lossy, for a long virtual period.
// Every view anyone sees is checked as it arrives against the spec's rules:
//
//   - one view per number, and a pinger never sees numbers go back;
//   - view n+1's primary is view n's primary or backup: an idle server is
//     never promoted ("an idle server never becomes primary");
//   - view n+1 exists only after view n's primary pinged with n ("moves to
//     view n+1 only after the primary of view n has pinged with n");
//   - a primary is never its own backup, and view n ≥ 1 has a primary.
//
// Faults can leave the service stuck for good (both holders of the data
// lost, or a primary restarted before it acknowledged): that is the
// protocol's limit, not a bug. When the view has not changed for stuckAfter,
// the nemesis crashes and restarts the view service itself, which starts a
// new history (an epoch) from view 0.

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// nemesisDuration is the virtual time the nemesis runs for.
const nemesisDuration = 60 * time.Second

// stuckAfter is how long the view may stay the same before the nemesis
// restarts the view service.
const stuckAfter = 4 * time.Second

// watcher collects every view seen and checks the rules on each.
type watcher struct {
	mu    sync.Mutex
	epoch int // view service incarnation the maps describe
	views map[uint]View
	acks  map[string]bool // "name/n": name has sent a ping with n
	total int             // views seen, over all epochs
	err   string
}

func (w *watcher) failf(format string, args ...interface{}) {
	if w.err == "" {
		w.err = fmt.Sprintf(format, args...)
	}
}

// newEpoch forgets everything seen from the previous view service.
func (w *watcher) newEpoch() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.epoch++
	w.views = map[uint]View{}
	w.acks = map[string]bool{}
}

// current returns the epoch.
func (w *watcher) current() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.epoch
}

// sent records that server me is about to ping with n.
func (w *watcher) sent(epoch int, me string, n uint) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if epoch != w.epoch {
		return
	}
	w.acks[fmt.Sprintf("%s/%d", me, n)] = true
}

// saw checks a view that arrived in a reply.
func (w *watcher) saw(epoch int, v View) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if epoch != w.epoch {
		return // from a view service that has been replaced
	}
	if v.Viewnum == 0 {
		if v != (View{}) {
			w.failf("view 0 must be empty, got %+v", v)
		}
		return
	}
	if old, ok := w.views[v.Viewnum]; ok && old != v {
		w.failf("two views numbered %d: %+v and %+v", v.Viewnum, old, v)
	}
	if _, ok := w.views[v.Viewnum]; !ok {
		w.total++
	}
	w.views[v.Viewnum] = v
	if v.Primary == "" || v.Primary == v.Backup {
		w.failf("malformed view %+v", v)
	}
	for _, pair := range [][2]View{{w.views[v.Viewnum-1], v}, {v, w.views[v.Viewnum+1]}} {
		prev, next := pair[0], pair[1]
		if prev.Viewnum == 0 || next.Viewnum == 0 {
			continue
		}
		if next.Primary != prev.Primary && next.Primary != prev.Backup {
			w.failf("view %+v promoted %q, who was neither primary nor backup of %+v", next, next.Primary, prev)
		}
		if !w.acks[fmt.Sprintf("%s/%d", prev.Primary, prev.Viewnum)] {
			w.failf("view %+v started before %q acknowledged %+v", next, prev.Primary, prev)
		}
	}
}

// nemesisServer is one pretend server of the nemesis test.
type nemesisServer struct {
	ck *Clerk
	mu sync.Mutex
	n  uint // view number it pings with
	// gen counts restarts, so a reply to a ping sent before one is not
	// adopted after it.
	gen int
	// silentUntil: the server does not ping before then.
	silentUntil time.Time
}

// restart makes the server ping 0 from now on, as after a crash.
func (s *nemesisServer) restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n = 0
	s.gen++
}

// run pings every PingInterval until stop is closed.
func (s *nemesisServer) run(w *watcher, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(PingInterval):
		}
		s.mu.Lock()
		n, gen, silent := s.n, s.gen, time.Now().Before(s.silentUntil)
		s.mu.Unlock()
		if silent {
			continue
		}
		epoch := w.current()
		w.sent(epoch, s.ck.me, n)
		v, err := s.ck.Ping(n)
		if err != nil {
			continue
		}
		w.saw(epoch, v)
		s.mu.Lock()
		if s.gen == gen {
			if v.Viewnum < n {
				w.mu.Lock()
				w.failf("%s pinged with view %d and was told view %d", s.ck.me, n, v.Viewnum)
				w.mu.Unlock()
			}
			s.n = v.Viewnum
		}
		s.mu.Unlock()
	}
}

func TestNemesisA(t *testing.T) {
	run(t, "Test (A): randomized nemesis: silences, restarts, lossy network", func(t *labtest.T, cfg *config) {
		w := &watcher{views: map[uint]View{}, acks: map[string]bool{}}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		servers := make([]*nemesisServer, 5)
		for i := range servers {
			servers[i] = &nemesisServer{ck: cfg.clerk(fmt.Sprintf("s%d", i))}
			wg.Add(1)
			go func() {
				defer wg.Done()
				servers[i].run(w, stop)
			}()
		}
		observer := cfg.clerk("")
		deadline := time.Now().Add(nemesisDuration)
		actions, restarts := 0, 0
		var last View
		lastChange := time.Now()
		for time.Now().Before(deadline) {
			time.Sleep(time.Duration(100+t.Rand.IntN(700)) * time.Millisecond)
			s := servers[t.Rand.IntN(len(servers))]
			switch t.Rand.IntN(4) {
			case 0, 1: // crash or partition from the view service for a while
				s.mu.Lock()
				s.silentUntil = time.Now().Add(time.Duration(200+t.Rand.IntN(1500)) * time.Millisecond)
				s.mu.Unlock()
			case 2:
				s.restart()
			case 3:
				cfg.net.Reliable(t.Rand.IntN(2) == 0)
			}
			actions++
			epoch := w.current()
			if v, ok := observer.Get(); ok {
				w.saw(epoch, v)
				if v != last {
					last, lastChange = v, time.Now()
				}
			}
			if time.Since(lastChange) > stuckAfter {
				// Crash the view service and start a new one: every
				// server learns of it as a restart of its own.
				cfg.restartVS()
				w.newEpoch()
				for _, s := range servers {
					s.restart()
				}
				last, lastChange = View{}, time.Now()
				restarts++
			}
			w.mu.Lock()
			err := w.err
			w.mu.Unlock()
			if err != "" {
				close(stop)
				wg.Wait()
				t.Fatalf("after %d nemesis actions: %s", actions, err)
			}
		}
		close(stop)
		wg.Wait()
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.err != "" {
			t.Fatal(w.err)
		}
		t.Logf("%d views in %d view service lives, %d nemesis actions", w.total, restarts+1, actions)
		if w.total < 10 {
			t.Fatalf("only %d views in %v: the nemesis did not exercise the service", len(w.views), nemesisDuration)
		}
	})
}
