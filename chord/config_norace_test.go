//go:build !race

package chord

// scaleNodes is the ring size of TestScaleB (see config_race_test.go).
const scaleNodes = 1024
