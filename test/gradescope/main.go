// Command gradescope packs the grader as a Gradescope autograder and runs
// it there.
//
//	go run ./test/gradescope bundle -lab raft [-part 2B] [-seeds 3] [-hidden DIR] -out DIR
//	gradescope run [-root /autograder] [-warm]
//
// bundle (make gradescope LAB=raft PART=2B SEEDS=3 OUT=dir) writes DIR,
// the autograder to upload (and DIR.zip, the same as a zip file): the kit
// at this commit (the files git tracks: reference, tests, rubric, grader),
// hidden tests if given, the lab's settings in .gradescope.json, and
// Gradescope's two scripts at the top. Gradescope unpacks it into
// /autograder/source. Students never see it; their code, graded in the
// grader's sandbox, sees only the graded tree, in which the reference of
// each package the submission brings is removed (as with make grade
// SUBMISSION=dir).
//
//   - setup.sh runs once, when Gradescope builds the image: it installs the
//     Go of go.mod if the image has no recent enough Go, builds the grader,
//     and warms the build cache by grading the kit's own code, so that a
//     submission's grading compiles only the student's packages;
//   - run_autograder runs per submission: `gradescope run` grades
//     /autograder/submission as make grade SUBMISSION= does (a whole tree
//     with go.mod, a partial tree laid over the kit, or the lab's .go files
//     uploaded flat) and writes /autograder/results/results.json. If
//     grading itself fails, it still writes a results.json, with score 0
//     and the reason.
//
// Both honour AUTOGRADER_ROOT in place of /autograder, so a bundle can be
// tried locally; go test ./test/gradescope does that.
//
// Exit status: 0 done (whatever the score), 1 the bundle or the grading
// failed, 2 bad arguments.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "bundle":
		err = bundleMain(args)
	case "run":
		err = runMain(args)
	case "-h", "-help", "--help", "help":
		usage()
		return
	default:
		fmt.Fprintf(os.Stderr, "gradescope: unknown command %q\n", cmd)
		usage()
		os.Exit(2)
	}
	var bad badArgs
	switch {
	case errors.As(err, &bad):
		fmt.Fprintln(os.Stderr, "gradescope:", err)
		os.Exit(2)
	case errors.Is(err, flag.ErrHelp):
		return
	case err != nil:
		fmt.Fprintln(os.Stderr, "gradescope:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  gradescope bundle -lab LAB [-part P] [-seeds N] [-hidden DIR] -out DIR
      write a Gradescope autograder for LAB to DIR and DIR.zip
  gradescope run [-root DIR] [-warm]
      (run_autograder) grade DIR/submission into DIR/results/results.json
Run a command with -h for its flags.
`)
}

// badArgs is an error in the command line (exit 2).
type badArgs struct{ error }

// settings is .gradescope.json: what run grades.
type settings struct {
	Lab     string `json:"lab"`
	Package string `json:"package"` // the lab's package directory, e.g. raft/kvraft
	Part    string `json:"part,omitempty"`
	Seeds   int    `json:"seeds"`
	Hidden  bool   `json:"hidden,omitempty"` // hidden tests in .gradescope-hidden
}

// Names inside a bundle.
const (
	settingsFile = ".gradescope.json"
	envFile      = ".gradescope.env" // shell lines setup.sh adds (PATH)
	hiddenDir    = ".gradescope-hidden"
)
