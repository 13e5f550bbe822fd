package main

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadRubric feeds arbitrary bytes to the rubric parser (a HIDDEN suite
// brings its own rubric.yaml): it returns an error or a rubric in which every
// lab names its package and has a positive timeout, and every test has a
// name unique in its lab, points that are not negative and a known
// visibility; it never panics.
//
//	go test ./test/grade -run '^$' -fuzz FuzzLoadRubric -fuzztime 30s -fuzzminimizetime 0
func FuzzLoadRubric(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("..", "rubric.yaml")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("labs:\n  - lab: raft\n    package: ./raft\n    timeout: 120s\n    tests:\n      - {name: TestA2A, part: 2A, points: 5}\n      - {name: TestB, points: 1, visibility: hidden}\n"))
	f.Add([]byte("labs:\n  - lab: x\n    package: ./x\n    timeout: -1s\n"))
	f.Add([]byte("labs:\n  - lab: x\n    package: ./x\n    tests: [{name: T, points: 1}, {name: T, points: 2}]\n"))
	f.Add([]byte("labs: [{lab: x, package: ./x, tests: [{name: T, points: 1, visibility: secret}]}]"))
	f.Add([]byte("labs: [{lab: x, package: ./x, tests: [{name: \"\", points: 1}]}]"))
	f.Add([]byte("labs: [{lab: x, package: ./x, tests: [{name: U, points: -2}]}]"))
	f.Add([]byte("labs: [{lab: x, package: \"\"}]"))
	f.Add([]byte("labs: 3"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "rubric.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := LoadRubric(path)
		if err != nil {
			return
		}
		for _, l := range r.Labs {
			if l.Lab == "" || l.Package == "" || l.timeout <= 0 {
				t.Fatalf("accepted lab block %+v", l)
			}
			seen := map[string]bool{}
			for _, e := range l.Tests {
				if e.Name == "" || e.Points < 0 || seen[e.Name] {
					t.Fatalf("lab %s: accepted test entry %+v", l.Lab, e)
				}
				seen[e.Name] = true
				switch e.Visibility {
				case "", "visible", "hidden", "after_due_date", "after_published":
				default:
					t.Fatalf("lab %s: accepted visibility %q", l.Lab, e.Visibility)
				}
			}
		}
	})
}
