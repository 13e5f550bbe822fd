package labtest

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A goroutine waiting for a mutex shows it in its dump: the lock's slow
// path (or RWMutex.Lock/RLock) carries the mutex's address as its first
// argument, and the first frame outside sync and runtime is where the code
// under test asked for it.
var (
	lockFrameRE = regexp.MustCompile(`^(?:internal/)?sync\.\(\*(?:RW)?Mutex\)\.(?:lockSlow|Lock|RLock)\((0x[0-9a-f]+)`)
	// methodFrameRE matches a frame of a method with a pointer receiver
	// and its receiver (first argument): "pkg.(*T).M(0xc000123400, ...)".
	methodFrameRE = regexp.MustCompile(`^(\S+?\.\(\*\w+\)\.\w+)\((0x[0-9a-f]+)`)
	funcFrameRE   = regexp.MustCompile(`^(\S+?)\(`)
)

// mutexWait is one goroutine waiting for a mutex.
type mutexWait struct {
	where  string // function (file:line) that asked for the lock
	caller string // its caller, if any
	// self is set when a caller up the stack is a method of the object
	// the mutex belongs to (the mutex lies within a few KB after the
	// method's receiver), which may already hold it.
	self string
}

// mutexWaits describes the goroutines of a dump that wait for a mutex,
// grouped by mutex, in a few lines for a student: which functions wait,
// and which of them wait below a method of the mutex's own object (the
// usual self-deadlock: a method that locks rf.mu calls another that locks
// it again; a sync.Mutex is not reentrant). It returns "" if no goroutine
// waits for a mutex.
func mutexWaits(stacks []byte) string {
	byMutex := map[string][]mutexWait{}
	var order []string
	for _, g := range bytes.Split(stacks, []byte("\n\n")) {
		header, _, _ := bytes.Cut(g, []byte("\n"))
		if !bytes.Contains(header, []byte("Mutex.Lock")) && !bytes.Contains(header, []byte("Mutex.RLock")) {
			continue
		}
		addr, w, ok := parseWait(strings.Split(string(g), "\n")[1:])
		if !ok {
			continue
		}
		if _, seen := byMutex[addr]; !seen {
			order = append(order, addr)
		}
		byMutex[addr] = append(byMutex[addr], w)
	}
	var parts []string
	for _, addr := range order {
		waits := byMutex[addr]
		var who []string
		self := ""
		for _, w := range waits {
			s := w.where
			if w.caller != "" {
				s += " called from " + w.caller
			}
			if !slices.Contains(who, s) && len(who) < 3 {
				who = append(who, s)
			}
			if self == "" && w.self != "" {
				self = fmt.Sprintf("; %s waits for it below %s, a method of the object it belongs to, which may already hold it: "+
					"a sync.Mutex is not reentrant, so a method that holds the lock must not call one that locks it again", w.where, w.self)
			}
		}
		parts = append(parts, fmt.Sprintf("%d goroutine(s) wait for the mutex at %s: %s%s", len(waits), addr, strings.Join(who, "; "), self))
	}
	return strings.Join(parts, ". ")
}

// parseWait reads the frames of a goroutine waiting for a mutex.
func parseWait(lines []string) (addr string, w mutexWait, ok bool) {
	type frame struct{ fn, file, recv string }
	var frames []frame
	for i := 0; i+1 < len(lines); i += 2 {
		fn, file := lines[i], strings.TrimSpace(lines[i+1])
		if strings.HasPrefix(fn, "created by ") {
			break
		}
		if m := lockFrameRE.FindStringSubmatch(fn); m != nil && addr == "" {
			addr = m[1]
		}
		f := frame{file: trimOffset(file)}
		if m := methodFrameRE.FindStringSubmatch(fn); m != nil {
			f.fn, f.recv = m[1], m[2]
		} else if m := funcFrameRE.FindStringSubmatch(fn); m != nil {
			f.fn = m[1]
		}
		frames = append(frames, f)
	}
	if addr == "" {
		return "", w, false
	}
	mu, err := strconv.ParseUint(addr[2:], 16, 64)
	if err != nil {
		return "", w, false
	}
	k := 0
	for k < len(frames) && (strings.HasPrefix(frames[k].fn, "sync.") || strings.HasPrefix(frames[k].fn, "internal/") || strings.HasPrefix(frames[k].fn, "runtime.")) {
		k++
	}
	if k == len(frames) {
		return "", w, false
	}
	w.where = short(frames[k].fn) + " (" + frames[k].file + ")"
	if k+1 < len(frames) {
		w.caller = short(frames[k+1].fn) + " (" + frames[k+1].file + ")"
	}
	for _, f := range frames[k+1:] {
		if r, err := strconv.ParseUint(strings.TrimPrefix(f.recv, "0x"), 16, 64); err == nil && f.recv != "" && mu >= r && mu-r < 4096 {
			w.self = short(f.fn) + " (" + f.file + ")"
			break
		}
	}
	return addr, w, true
}

// short drops the package path of a function name: "distlabs/raft.(*Raft).GetState"
// becomes "raft.(*Raft).GetState".
func short(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

// trimOffset drops the " +0x4b" of a stack's file line.
func trimOffset(file string) string {
	if i := strings.Index(file, " +0x"); i >= 0 {
		return file[:i]
	}
	return file
}
