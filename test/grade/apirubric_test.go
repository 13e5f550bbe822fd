package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAPIRubric: with RUBRIC=api the grader builds only the API tests,
// leaves the handout tests out of the score (not "not built" zeros), and
// scales each lab's score to its full marks, in the table's total and in
// results.json, which says which rubric it used. Ported code that passes
// every API test gets full marks; the full rubric gives it 2 of 5.
func TestAPIRubric(t *testing.T) {
	t.Parallel()
	cfg := submissionConfig(t, "ported", map[string]string{"ported/ported.go": portedRenamed})
	cfg.APIOnly = true
	rep := grade(t, cfg)
	if len(rep.Outcomes) != 1 || rep.Outcomes[0].Entry.Name != "TestAPI" || !rep.Outcomes[0].Passed {
		t.Fatalf("outcomes %v; want TestAPI alone, passed", rep.Outcomes)
	}
	if got, max := rep.Final(); got != 5 || max != 5 {
		t.Errorf("final score %v/%v; want 5/5 (2 of 2 API points scaled to the lab's 5)", got, max)
	}
	if got, max := rep.Score(); got != 2 || max != 2 {
		t.Errorf("raw score %v/%v; want 2/2", got, max)
	}
	if len(rep.Notes) == 0 || !strings.Contains(strings.Join(rep.Notes, "\n"), "TestArgs") {
		t.Errorf("notes %q do not name the handout test left out", rep.Notes)
	}
	path := filepath.Join(t.TempDir(), "results.json")
	if err := WriteResults(path, rep); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res gsResults
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if res.Score != 5 || res.ExtraData == nil || res.ExtraData.Rubric != "api" || !strings.Contains(res.Output, "RUBRIC=api: 2/2 on the API tests") {
		t.Errorf("results.json: score %v, extra %+v, output:\n%s", res.Score, res.ExtraData, res.Output)
	}
	if rows := summaryRows("s", rep); len(rows) != 1 || rows[0][2] != "5" || rows[0][3] != "5" {
		t.Errorf("batch rows %q; want the scaled 5/5", rows)
	}
}
