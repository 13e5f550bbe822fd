//go:build race

package puddlestore

import "time"

// Under the race detector every goroutine switch and memory access costs
// several times more CPU, and test/check runs this package with -race:
// the full-size runs would outlast the harness's watchdog, so the race
// run checks the same rules on smaller ones.
const (
	// bigFileSize is the length of TestBigFileE's file: two of its
	// one-megabyte chunks, so reads and writes still follow each other
	// across chunks (512 blocks of 4 KB, each on three nodes).
	bigFileSize = 2 << 20
	// atomicCloseVersions is the number of versions TestAtomicCloseE's
	// writer publishes while the reader reads in a loop.
	atomicCloseVersions = 5
	// linearizableOps is the number of random operations of each client
	// of TestNamespaceLinearizableF.
	linearizableOps = 15
	// writerIncrements is the number of increments of each client of
	// TestConcurrentWritersF.
	writerIncrements = 3
	// nemesisRounds is the number of fault rounds of TestNemesisF.
	nemesisRounds = 3
	// nemesisPace is the pause between two operations of a client of
	// TestNemesisF.
	nemesisPace = time.Second
)
