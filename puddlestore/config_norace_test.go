//go:build !race

package puddlestore

import "time"

// The full-size runs (see config_race_test.go).
const (
	bigFileSize         = 64 << 20
	atomicCloseVersions = 20
	linearizableOps     = 30
	writerIncrements    = 5
	nemesisRounds       = 6
	nemesisPace         = 300 * time.Millisecond
)
