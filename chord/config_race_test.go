//go:build race

package chord

// scaleNodes is the ring size of TestScaleB: under the race detector every
// RPC costs several times more CPU, and 1024 nodes would outlast the
// harness's watchdog, so the race run checks the same bounds on 256.
const scaleNodes = 256
