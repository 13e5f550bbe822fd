package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"distlabs/distsort"
	"distlabs/distsort/internal/localrun"
)

func validateCmd(args []string) error {
	fs := flag.NewFlagSet("netsort validate", flag.ContinueOnError)
	inputs := fs.String("inputs", "", "comma-separated input files")
	outputs := fs.String("outputs", "", "comma-separated output files, in server order")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *outputs == "" || fs.NArg() != 0 {
		return usageError{"usage: netsort validate -inputs a,b,... -outputs c,d,..."}
	}
	rep, err := distsort.Validate(splitList(*inputs), splitList(*outputs))
	if err != nil {
		return err
	}
	fmt.Printf("OK: %v; records per output %v (imbalance %.3f)\n", rep.Outputs, rep.OutputRecords, rep.Imbalance())
	return nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// localCmd generates inputs, runs N netsort processes on loopback and
// validates the outputs.
func localCmd(args []string) error {
	fs := flag.NewFlagSet("netsort local", flag.ContinueOnError)
	n := fs.Int("n", 4, "number of servers")
	records := fs.Int64("records", 100000, "records per server")
	skew := fs.Float64("skew", 0, "key skew for the generator")
	split := fs.String("split", "equal", "equal or sample")
	dir := fs.String("dir", "", "working directory (default: a new temporary directory, removed afterwards)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	work := *dir
	if work == "" {
		if work, err = os.MkdirTemp("", "netsort-local-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	c := &localrun.Cluster{Bin: bin, Config: filepath.Join(work, "cluster.yaml"), Flags: []string{"-split=" + *split, "-v"}}
	for i := range *n {
		in := filepath.Join(work, fmt.Sprintf("input-%d", i))
		if err := distsort.GenerateFile(in, distsort.GenOptions{Records: *records, Seed: uint64(i + 1), Skew: *skew, FirstRow: uint64(i) * uint64(*records)}); err != nil {
			return err
		}
		c.Inputs = append(c.Inputs, in)
		c.Outputs = append(c.Outputs, filepath.Join(work, fmt.Sprintf("output-%d", i)))
	}
	procs, wall, err := c.Run(context.Background())
	for _, p := range procs {
		fmt.Print(p.Stderr)
	}
	if err != nil {
		return err
	}
	rep, err := distsort.Validate(c.Inputs, c.Outputs)
	if err != nil {
		return err
	}
	mb := float64(rep.Outputs.Records*distsort.RecordSize) / 1e6
	fmt.Printf("sorted %.1f MB on %d servers in %v (%.0f MB/s); validated: %v, imbalance %.3f\n",
		mb, *n, wall.Round(time.Millisecond), mb/wall.Seconds(), rep.Outputs, rep.Imbalance())
	return nil
}

// baselineCmd is the plain single-process sort: read everything, sort
// record slices by key with a comparison sort, write.
func baselineCmd(args []string) error {
	fs := flag.NewFlagSet("netsort baseline", flag.ContinueOnError)
	out := fs.String("o", "", "output file")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *out == "" || fs.NArg() == 0 {
		return usageError{"usage: netsort baseline -o <outputFile> <inputFile>..."}
	}
	var data []byte
	for _, in := range fs.Args() {
		b, err := os.ReadFile(in)
		if err != nil {
			return err
		}
		data = append(data, b...)
	}
	if len(data)%distsort.RecordSize != 0 {
		return fmt.Errorf("baseline: input size %d is not a multiple of %d", len(data), distsort.RecordSize)
	}
	recs := make([][]byte, len(data)/distsort.RecordSize)
	for i := range recs {
		recs[i] = data[i*distsort.RecordSize : (i+1)*distsort.RecordSize]
	}
	sort.Slice(recs, func(i, j int) bool {
		return bytes.Compare(recs[i][:distsort.KeySize], recs[j][:distsort.KeySize]) < 0
	})
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, r := range recs {
		if _, err := w.Write(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
