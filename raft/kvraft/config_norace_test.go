//go:build !race

package kvraft

// The full sizes (see config_race_test.go).
const (
	speedOps          = 1000
	giveUpRounds      = 40
	genericIterations = 3
)
