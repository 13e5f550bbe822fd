package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// PrintTable writes a table per lab and part, then "Score: X/Y".
func PrintTable(w io.Writer, rep *Report, seeds int) {
	if rep.Refused != "" {
		fmt.Fprintf(w, "%s\n", rep.Refused)
	}
	if rep.Isolation != "" {
		fmt.Fprintf(w, "isolation: %s\n", rep.Isolation)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, f := range rep.Flags {
		fmt.Fprintf(w, "TA: %s\n", f)
	}
	var labOrder []*Lab
	byLab := map[*Lab][]*Outcome{}
	for _, o := range rep.Outcomes {
		if _, ok := byLab[o.Lab]; !ok {
			labOrder = append(labOrder, o.Lab)
		}
		byLab[o.Lab] = append(byLab[o.Lab], o)
	}
	for _, lab := range labOrder {
		outs := byLab[lab]
		fmt.Fprintf(w, "\n== %s (%s, %d seed(s) per test) ==\n", lab.Lab, lab.Package, seeds)
		if why := labFailure(outs); why != "" {
			// One line, not one identical row per test.
			_, max := labScore(outs)
			fmt.Fprintf(w, "every test (%d): %s\n", len(outs), why)
			fmt.Fprintf(w, "  %s total 0/%s\n", lab.Lab, num(max))
			if outs[0].Status == "build failed" {
				fmt.Fprintf(w, "%s\n", indent(tail(outs[0].Output, 2000)))
			}
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PART\tTEST\tRESULT\tTIME\tPOINTS\tREASON")
		var labGot, labMax float64
		multiPart := false
		for _, o := range outs {
			multiPart = multiPart || o.Entry.Part != outs[0].Entry.Part
		}
		for i, o := range outs {
			got := 0.0
			if o.Passed {
				got = o.Entry.Points
			}
			labGot += got
			labMax += o.Entry.Points
			result := "PASS"
			if !o.Passed {
				result = "FAIL"
				if o.Status != "fail" {
					result += " (" + o.Status + ")"
				}
				if o.Seed != 0 {
					result += ", seed " + strconv.FormatInt(o.Seed, 10)
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s/%s\t%s\n", partLabel(o.Entry.Part), o.Entry.Name, result,
				o.Elapsed.Round(100*time.Millisecond), num(got), num(o.Entry.Points), shorten(o.Reason, 100))
			if multiPart && (i == len(outs)-1 || outs[i+1].Entry.Part != o.Entry.Part) {
				pg, pm := partScore(outs, o.Entry.Part)
				fmt.Fprintf(tw, "\t  part %s\t\t\t%s/%s\n", partLabel(o.Entry.Part), num(pg), num(pm))
			}
		}
		fmt.Fprintf(tw, "\t%s total\t\t\t%s/%s\n", lab.Lab, num(labGot), num(labMax))
		// Flushing a tabwriter onto stdout only fails if stdout is gone.
		_ = tw.Flush()
		for _, o := range outs {
			if !o.Passed && o.Seed != 0 {
				fmt.Fprintf(w, "  %s: replay with  %s   (log: %s)\n", o.Entry.Name, replayCommand(lab.Package, o.Entry.Name, o.Seed), o.LogPath)
			} else if !o.Passed && o.Status == "build failed" {
				fmt.Fprintf(w, "  %s: build failed:\n%s\n", o.Entry.Name, indent(tail(o.Output, 2000)))
				break
			}
		}
	}
	got, max := rep.Final()
	fmt.Fprintf(w, "\nScore: %s/%s%s\n", num(got), num(max), apiNote(rep))
}

// apiNote says, after a score, that it is the API rubric's.
func apiNote(rep *Report) string {
	if rep.FullMarks == nil {
		return ""
	}
	raw, rawMax := rep.Score()
	return fmt.Sprintf(" (RUBRIC=api: %s/%s on the API tests, scaled to each lab's full marks)", num(raw), num(rawMax))
}

func partScore(outs []*Outcome, part string) (got, max float64) {
	for _, o := range outs {
		if o.Entry.Part != part {
			continue
		}
		max += o.Entry.Points
		if o.Passed {
			got += o.Entry.Points
		}
	}
	return got, max
}

func partLabel(p string) string {
	if p == "" {
		return "-"
	}
	return p
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func indent(s string) string {
	out := "    "
	for _, r := range s {
		out += string(r)
		if r == '\n' {
			out += "    "
		}
	}
	return out
}

// shorten cuts s to n bytes for a table cell.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// gsResults is Gradescope's results.json (autograder specification).
type gsResults struct {
	Score            float64  `json:"score"`
	Output           string   `json:"output,omitempty"`
	Visibility       string   `json:"visibility"`
	StdoutVisibility string   `json:"stdout_visibility,omitempty"`
	Tests            []gsTest `json:"tests"`
	// ExtraData is Gradescope's free-form field: how the tests ran and
	// what the TA should look at.
	ExtraData *gsExtra `json:"extra_data,omitempty"`
}

type gsExtra struct {
	Isolation string   `json:"isolation"`
	TAFlags   []string `json:"ta_flags"`
	// Rubric is "full" (score: every graded test) or "api" (score: only
	// the tests that need nothing of our handout, each lab scaled to its
	// full marks; the tests' own points are unscaled).
	Rubric string `json:"rubric"`
}

type gsTest struct {
	Name          string  `json:"name"`
	Number        string  `json:"number,omitempty"`
	Score         float64 `json:"score"`
	MaxScore      float64 `json:"max_score"`
	Status        string  `json:"status"`
	Output        string  `json:"output"`
	Visibility    string  `json:"visibility"`
	ExecutionTime float64 `json:"execution_time"`
}

// WriteResults writes Gradescope's results.json to path.
func WriteResults(path string, rep *Report) error {
	got, max := rep.Final()
	res := gsResults{Score: got, Visibility: "visible", StdoutVisibility: "visible", Tests: []gsTest{}}
	res.Output = summary(rep, got, max)
	res.ExtraData = &gsExtra{Isolation: rep.Isolation, TAFlags: append([]string{}, rep.Flags...), Rubric: "full"}
	if rep.FullMarks != nil {
		res.ExtraData.Rubric = "api"
	}
	for _, o := range rep.Outcomes {
		t := gsTest{
			Name:          o.Lab.Lab + " " + partPrefix(o.Entry.Part) + o.Entry.Name,
			Number:        o.Number,
			MaxScore:      o.Entry.Points,
			Status:        "failed",
			Output:        o.Output,
			Visibility:    o.Entry.Visibility,
			ExecutionTime: o.Elapsed.Seconds(),
		}
		if t.Visibility == "" {
			t.Visibility = "visible"
		}
		if o.Passed {
			t.Score, t.Status = o.Entry.Points, "passed"
		}
		res.Tests = append(res.Tests, t)
	}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("results.json: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("results.json: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("results.json: %w", err)
	}
	return nil
}

// summary is results.json's top-level output: the score per lab, then
// the notes and flags, then the failed tests with their one-line reasons.
func summary(rep *Report, got, max float64) string {
	var b strings.Builder
	if rep.Refused != "" {
		b.WriteString(rep.Refused + "\n\n")
	}
	fmt.Fprintf(&b, "Score: %s/%s%s\n", num(got), num(max), apiNote(rep))
	if rep.Isolation != "" {
		fmt.Fprintf(&b, "isolation: %s\n", rep.Isolation)
	}
	var labs []*Lab
	for _, o := range rep.Outcomes {
		if !slices.Contains(labs, o.Lab) {
			labs = append(labs, o.Lab)
		}
	}
	for _, l := range labs {
		var g, m float64
		for _, o := range rep.Outcomes {
			if o.Lab == l {
				m += o.Entry.Points
				if o.Passed {
					g += o.Entry.Points
				}
			}
		}
		fmt.Fprintf(&b, "  %s: %s/%s\n", l.Lab, num(g), num(m))
	}
	for _, n := range rep.Notes {
		b.WriteString("note: " + n + "\n")
	}
	for _, f := range rep.Flags {
		b.WriteString("TA: " + f + "\n")
	}
	for _, o := range rep.Outcomes {
		if !o.Passed && rep.Refused == "" {
			fmt.Fprintf(&b, "FAIL %s %s: %s\n", o.Lab.Lab, o.Entry.Name, o.Reason)
		}
	}
	return b.String()
}

func partPrefix(p string) string {
	if p == "" {
		return ""
	}
	return "(" + p + ") "
}

// labFailure returns the reason every outcome of a lab shares when none of
// its tests could run (the lab did not build, or was refused), else "".
func labFailure(outs []*Outcome) string {
	if len(outs) == 0 {
		return ""
	}
	first := outs[0]
	if first.Status != "build failed" && first.Status != "refused" {
		return ""
	}
	for _, o := range outs {
		if o.Status != first.Status || o.Reason != first.Reason {
			return ""
		}
	}
	return first.Reason
}

// labScore sums a lab's outcomes.
func labScore(outs []*Outcome) (got, max float64) {
	for _, o := range outs {
		max += o.Entry.Points
		if o.Passed {
			got += o.Entry.Points
		}
	}
	return got, max
}
