package main

import (
	"context"

	"distlabs/test/internal/gotest"
)

// notReproducible starts the reason of a failure that the same seed did
// not fail again, and howToReproduce says what makes failures replay.
const (
	notReproducible = "not reproducible by seed: "
	howToReproduce  = "a second run with the same seed passed, so the replay command may pass too: the code under test " +
		"makes choices the seed does not decide (crypto/rand, math/rand's global source, a time-based seed, " +
		"Go's map iteration order, a race between goroutines); draw randomness from the seeded sources the kit " +
		"gives (labrpc's end Seed, DISTLABS_SEED) and iterate maps in sorted order, and the seed replays the failure"
)

// checkReproducible runs a test that failed in virtual time once more
// with the same seed: the replay line promises that the seed reproduces
// the failure, and a second run that passes shows it may not. The test
// scores as failed either way; only the reason and the output change.
// Timeouts and limits are not rerun (each costs up to the time limit), nor
// is a run on the real clock, which no seed replays.
func checkReproducible(ctx context.Context, cfg Config, j job, res gotest.Result, realtime bool) gotest.Result {
	if realtime || res.Status != gotest.Fail {
		return res
	}
	again := runSeed(ctx, cfg, j, false)
	res.Elapsed += again.Elapsed
	if again.Status == gotest.Pass {
		res.Reason = notReproducible + res.Reason
		res.Output = howToReproduce + "\n\n--- the failing run:\n" + res.Output
	}
	return res
}
