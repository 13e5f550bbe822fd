package main

import (
	"bytes"
	"io"
	"sync"
	"time"
)

// lineWriter writes whole lines, each prefixed with its step's tag, to a
// shared output: the steps run at the same time, and a line of one must
// not break into a line of another.
type lineWriter struct {
	mu      *sync.Mutex // shared by every lineWriter of one output
	out     io.Writer
	prefix  string
	pending []byte // the start of a line not yet ended
	// cpu is the user + system time of the commands the step ran
	// (checker.goCmd adds each): what a step costs, which its wall time
	// beside the other lanes does not say.
	cpu time.Duration
}

// Write passes on every complete line and keeps the rest for later.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.pending = append(w.pending, p...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := w.emit(w.pending[:i+1]); err != nil {
			return 0, err
		}
		w.pending = w.pending[i+1:]
	}
}

// Flush writes what is left of an unterminated last line.
func (w *lineWriter) Flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	line := append(w.pending, '\n')
	w.pending = nil
	return w.emit(line)
}

func (w *lineWriter) emit(line []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := io.WriteString(w.out, w.prefix); err != nil {
		return err
	}
	_, err := w.out.Write(line)
	return err
}
