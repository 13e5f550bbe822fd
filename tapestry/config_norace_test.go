//go:build !race

package tapestry

// raceEnabled is false: see config_race_test.go.
const raceEnabled = false
