package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDrop6824Harness: a 6.824 config.go (make_config and a config type)
// in a package whose graded tests are in the package and define config too
// is dropped (the two would not compile together); beside external tests,
// or without make_config, every file stays.
func TestDrop6824Harness(t *testing.T) {
	const harness = "package kvraft\n\ntype config struct{}\n\nfunc make_config() *config { return nil }\n"
	cases := []struct {
		name     string
		files    map[string]string
		want     []string // dropped
		wantLeft []string
	}{
		{
			name: "internal tests",
			files: map[string]string{
				"config.go":      harness,
				"server.go":      "package kvraft\n",
				"config_test.go": "package kvraft\n\ntype config struct{ n int }\n",
			},
			want:     []string{"config.go"},
			wantLeft: []string{"config_test.go", "server.go"},
		},
		{
			name: "external tests",
			files: map[string]string{
				"config.go":      harness,
				"config_test.go": "package kvraft_test\n\ntype config struct{ n int }\n",
			},
			wantLeft: []string{"config.go", "config_test.go"},
		},
		{
			name: "a config type of the student's own",
			files: map[string]string{
				"config.go":      "package kvraft\n\ntype config struct{}\n",
				"config_test.go": "package kvraft\n\ntype cluster struct{}\n",
			},
			wantLeft: []string{"config.go", "config_test.go"},
		},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		for name, src := range tc.files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		dropped, err := drop6824Harness(dir)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(dropped, tc.want) {
			t.Errorf("%s: dropped %q; want %q", tc.name, dropped, tc.want)
		}
		left, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for i := range left {
			left[i] = filepath.Base(left[i])
		}
		if !slices.Equal(left, tc.wantLeft) {
			t.Errorf("%s: left %q; want %q", tc.name, left, tc.wantLeft)
		}
	}
	if _, err := drop6824Harness(filepath.Join(t.TempDir(), "missing")); err != nil {
		t.Errorf("a lab directory the submission lacks: %v", err)
	}
}
