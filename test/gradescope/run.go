package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

func runMain(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	root := fs.String("root", envOr("AUTOGRADER_ROOT", "/autograder"), "the autograder root: source/ holds the bundle, submission/ the upload, results/ the output (AUTOGRADER_ROOT)")
	warm := fs.Bool("warm", false, "grade the kit's own code, to fill the build cache (setup.sh)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	src := filepath.Join(*root, "source")
	data, err := os.ReadFile(filepath.Join(src, settingsFile))
	if err != nil {
		return fmt.Errorf("run: %w (is %s a bundle from gradescope bundle?)", err, src)
	}
	var st settings
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("run: %s: %w", settingsFile, err)
	}
	if *warm {
		return warmCache(*root, src, st)
	}
	return gradeSubmission(*root, src, st)
}

// graderArgs are the grader's flags for st.
func graderArgs(src string, st settings, seeds int) []string {
	args := []string{"-root", src, "-lab", st.Lab, "-seeds", strconv.Itoa(seeds)}
	if st.Part != "" {
		args = append(args, "-part", st.Part)
	}
	if st.Hidden {
		args = append(args, "-hidden", filepath.Join(src, hiddenDir))
	}
	return args
}

// warmCache grades the kit's own code once with one seed, which compiles
// everything a submission's grading reuses. Only a failure to grade at all
// (exit 2) is an error.
func warmCache(root, src string, st settings) error {
	tmp, err := os.MkdirTemp("", "gradescope-warm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	args := append(graderArgs(src, st, 1), "-results", filepath.Join(tmp, "results.json"))
	cmd := exec.Command(filepath.Join(root, "bin", "grade"), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		err = nil // graded; a test of the reference failed, which the score shows
	}
	if err != nil {
		return fmt.Errorf("run -warm: grading the kit failed: %w\n%s", err, out.String())
	}
	fmt.Printf("gradescope: build cache warm (%s graded on the kit's reference)\n", st.Lab)
	return nil
}

// gradeSubmission grades root/submission and makes sure a results.json
// exists afterwards.
func gradeSubmission(root, src string, st settings) error {
	results := filepath.Join(root, "results", "results.json")
	if err := os.MkdirAll(filepath.Dir(results), 0o755); err != nil {
		return err
	}
	_ = os.Remove(results) // a stale one must not stand for this run
	sub := filepath.Join(root, "submission")
	if _, err := os.Stat(sub); err != nil {
		return failResults(results, err.Error())
	}
	args := append(graderArgs(src, st, st.Seeds), "-submission", sub, "-results", results)
	cmd := exec.Command(filepath.Join(root, "bin", "grade"), args...)
	var tail tailBuffer
	cmd.Stdout = io.MultiWriter(os.Stdout, &tail)
	cmd.Stderr = io.MultiWriter(os.Stderr, &tail)
	err := cmd.Run()
	if _, serr := os.Stat(results); serr == nil {
		return nil // the grader's verdict, whatever the score
	}
	return failResults(results, fmt.Sprintf("grading stopped (%v) before writing results; its last output:\n%s", err, tail.String()))
}

// failResults writes a results.json of score 0 that says why nothing was
// graded, and returns the reason as an error.
func failResults(path, reason string) error {
	res := map[string]any{
		"score":      0,
		"output":     "The autograder could not grade this submission:\n" + reason,
		"visibility": "visible",
		"tests":      []any{},
	}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	return errors.New("run: " + strings.SplitN(reason, "\n", 2)[0])
}

// tailBuffer keeps the last 8 KiB written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - 8<<10; over > 0 {
		t.b = t.b[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
