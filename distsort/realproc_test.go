package distsort_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"distlabs/distsort"
	"distlabs/distsort/internal/localrun"
	"distlabs/test/labtest"
)

// withNetsort runs a real-time test with the netsort command built into a
// fresh directory, where the test keeps its files too.
func withNetsort(t *testing.T, title string, body func(t *labtest.T, dir, bin string)) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		t.Begin(title)
		dir := t.TempDir()
		bin, err := localrun.BuildNetsort(dir)
		if err != nil {
			t.Fatal(err)
		}
		body(t, dir, bin)
	})
}

// The CLI as 4 real processes over TCP on loopback (ephemeral ports from
// the kernel), validated end to end. Spec "CLI" and "Protocol and faults".
func TestRealProcesses(t *testing.T) {
	withNetsort(t, "Test: netsort CLI as 4 processes over TCP", func(t *labtest.T, dir, bin string) {
		c := &localrun.Cluster{Bin: bin, Config: filepath.Join(dir, "cluster.yaml"), Flags: []string{"-split=sample", "-startup=20s"}}
		for i := range 4 {
			in := filepath.Join(dir, fmt.Sprintf("in-%d", i))
			opts := distsort.GenOptions{Records: 20000 + 1000*int64(i), Seed: uint64(t.Seed) + uint64(i), FirstRow: uint64(i) << 32}
			if err := distsort.GenerateFile(in, opts); err != nil {
				t.Fatal(err)
			}
			c.Inputs = append(c.Inputs, in)
			c.Outputs = append(c.Outputs, filepath.Join(dir, fmt.Sprintf("out-%d", i)))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		if _, _, err := c.Run(ctx); err != nil {
			t.Fatalf("cluster: %v", err)
		}
		rep, err := distsort.Validate(c.Inputs, c.Outputs)
		if err != nil {
			t.Fatalf("outputs do not validate: %v", err)
		}
		if rep.Outputs.Records != 86000 {
			t.Fatalf("%d records sorted, want 86000", rep.Outputs.Records)
		}
		t.Passed(4, 0, 0, int(rep.Outputs.Records))
	})
}

// A process given a config where one server never starts exits non-zero
// with an error naming it, and writes no output.
func TestRealProcessMissingPeer(t *testing.T) {
	withNetsort(t, "Test: netsort CLI with a peer that never starts", func(t *labtest.T, dir, bin string) {
		addrs, err := localrun.FreeAddrs(2)
		if err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(dir, "cluster.yaml")
		if err := distsort.WriteCluster(cfg, addrs); err != nil {
			t.Fatal(err)
		}
		in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
		if err := distsort.GenerateFile(in, distsort.GenOptions{Records: 100}); err != nil {
			t.Fatal(err)
		}
		msg, err := exec.Command(bin, "-startup=1s", "0", in, out, cfg).CombinedOutput()
		if err == nil {
			t.Fatal("netsort succeeded without its peer")
		}
		if !strings.Contains(string(msg), "peer 1 ("+addrs[1]+")") {
			t.Fatalf("error does not name peer 1: %s", msg)
		}
		if ents, _ := filepath.Glob(filepath.Join(dir, "out*")); len(ents) != 0 {
			t.Fatalf("output left behind: %v", ents)
		}
		t.Passed(2, 0, 0, 0)
	})
}
