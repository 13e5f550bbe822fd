//solution:file
//go:build !linux

package distsort

import "time"

// threadCPUOrigin is the origin of threadCPU's readings.
var threadCPUOrigin = time.Now()

// threadCPU stands in for a per-thread CPU clock where this package has
// none: it returns elapsed time, so phases then include waiting.
func threadCPU() int64 { return int64(time.Since(threadCPUOrigin)) }
