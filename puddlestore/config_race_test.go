//go:build race

package puddlestore

import "time"

// Under the race detector every goroutine switch and memory access costs
// several times more CPU, and test/check runs this package with -race:
// the full-size runs would outlast the harness's watchdog, so the race
// run checks the same rules on smaller ones.
const (
	// bigFileSize is the length of TestBigFileE's file.
	bigFileSize = 16 << 20
	// nemesisRounds is the number of fault rounds of TestNemesisF.
	nemesisRounds = 3
	// nemesisPace is the pause between two operations of a client of
	// TestNemesisF.
	nemesisPace = time.Second
)
