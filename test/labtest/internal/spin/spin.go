// Package spin runs goroutines in a non-test package, for the tests of
// labtest's CheckStopped and Running, which count only such code (a lab's
// servers) and not the tests' own goroutines.
package spin

import "time"

// Start starts a goroutine that runs until stop is closed, as a server's
// background loop does until Kill.
func Start(stop <-chan struct{}) { go Wait(stop) }

// StartLate starts the goroutine of Start after d, as a timer a server set
// before Kill does.
func StartLate(d time.Duration, stop <-chan struct{}) {
	time.AfterFunc(d, func() { Wait(stop) })
}

// Wait returns when stop is closed.
func Wait(stop <-chan struct{}) { <-stop }
