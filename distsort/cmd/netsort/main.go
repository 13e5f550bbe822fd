// Command netsort is the distsort command-line tool.
//
//	netsort [flags] <serverId> <inputFile> <outputFile> <configFile>
//	netsort gen [-records N] [-seed S] [-skew F] [-dup K] <outputFile>
//	netsort validate -inputs a,b,... -outputs c,d,...
//	netsort local [-n 4] [-records N] [-dir D] [-split equal|sample]
//	netsort baseline -o <outputFile> <inputFile>...
//
// The first form runs one server of a distributed sort; the config file is
// YAML: `servers: [{serverId: 0, host: 127.0.0.1, port: 9000}, ...]`.
// gen writes gensort-format records; validate checks that the outputs are
// sorted and hold exactly the inputs' records; local runs a whole cluster of
// netsort processes on loopback and validates the result; baseline is the
// plain single-process sort the benchmark compares against.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"distlabs/distsort"
)

func main() {
	err := dispatch(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "netsort:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError marks errors in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func dispatch(args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "gen":
			return genCmd(args[1:])
		case "validate":
			return validateCmd(args[1:])
		case "local":
			return localCmd(args[1:])
		case "baseline":
			return baselineCmd(args[1:])
		}
	}
	return serverCmd(args)
}

// serverCmd runs one server over TCP.
func serverCmd(args []string) error {
	fs := flag.NewFlagSet("netsort", flag.ContinueOnError)
	split := fs.String("split", "equal", "key split: equal ranges or sampled splitters (all servers must agree)")
	mem := fs.Int64("mem", 1<<30, "memory budget in bytes for received records; beyond it runs spill to disk")
	spill := fs.String("spill-dir", "", "directory for spilled runs (default: the output's directory)")
	startup := fs.Duration("startup", 30*time.Second, "window for all peers to come up")
	ioTimeout := fs.Duration("io-timeout", 2*time.Minute, "longest wait for a stalled peer")
	fsync := fs.Bool("fsync", false, "fsync the output before renaming it into place")
	verbose := fs.Bool("v", false, "print phase timings to stderr")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	stats := fs.String("stats", "", "write the result with per-phase CPU time and bytes (JSON) to this file")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: netsort [flags] <serverId> <inputFile> <outputFile> <configFile>\n       netsort gen|validate|local|baseline -h")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 4 {
		fs.Usage()
		return usageError{"want 4 arguments: serverId inputFile outputFile configFile"}
	}
	id, err := strconv.Atoi(fs.Arg(0))
	if err != nil {
		return usageError{fmt.Sprintf("server id %q: %v", fs.Arg(0), err)}
	}
	mode, err := distsort.ParseSplitMode(*split)
	if err != nil {
		return usageError{err.Error()}
	}
	peers, err := distsort.LoadCluster(fs.Arg(3))
	if err != nil {
		return err
	}
	token, err := distsort.ClusterToken(fs.Arg(3))
	if err != nil {
		return err
	}
	if id < 0 || id >= len(peers) {
		return usageError{fmt.Sprintf("server id %d not in the config (0..%d)", id, len(peers)-1)}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var l net.Listener
	if len(peers) > 1 {
		if l, err = net.Listen("tcp", peers[id]); err != nil {
			return fmt.Errorf("server %d: %w", id, err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var d net.Dialer
	var phases []string
	var cpus []time.Duration
	trace := func(phase string) {
		phases = append(phases, phase)
		cpus = append(cpus, processCPU())
	}
	res, err := distsort.Run(ctx, distsort.Config{
		Trace: trace,
		ID:    id, Peers: peers, Listener: l,
		Dial: func(ctx context.Context, addr string) (net.Conn, error) {
			return d.DialContext(ctx, "tcp", addr)
		},
		Input: fs.Arg(1), Output: fs.Arg(2), Token: token,
		Split: mode, MemoryBudget: *mem, SpillDir: *spill,
		StartupTimeout: *startup, IOTimeout: *ioTimeout, Sync: *fsync,
		Meter: *stats != "",
	})
	if err != nil {
		return err
	}
	if *stats != "" {
		b, err := json.Marshal(res)
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		if err := os.WriteFile(*stats, b, 0o644); err != nil {
			return fmt.Errorf("stats: %w", err)
		}
	}
	if *verbose {
		fmt.Fprintf(os.Stderr, "server %d: read %d, kept %d records, %d spilled runs; connect %v, exchange %v, sort+write %v, commit %v; imbalance %.3f\n",
			id, res.Read, res.Received, res.Runs, res.Connect.Round(time.Millisecond), res.Exchange.Round(time.Millisecond),
			res.Sort.Round(time.Millisecond), res.Commit.Round(time.Millisecond), res.Imbalance)
		fmt.Fprintf(os.Stderr, "server %d: CPU", id)
		for i := 1; i < len(phases); i++ {
			fmt.Fprintf(os.Stderr, " %s %v", phases[i-1], (cpus[i] - cpus[i-1]).Round(time.Millisecond))
		}
		fmt.Fprintf(os.Stderr, "; total %v\n", processCPU().Round(time.Millisecond))
	}
	return nil
}

func genCmd(args []string) error {
	fs := flag.NewFlagSet("netsort gen", flag.ContinueOnError)
	records := fs.Int64("records", 10000, "number of records")
	seed := fs.Uint64("seed", 1, "random seed")
	skew := fs.Float64("skew", 0, "fraction of keys that start with two zero bytes")
	dup := fs.Int("dup", 0, "draw keys from this many distinct keys (0: all random)")
	firstRow := fs.Uint64("first-row", 0, "row number of the first record")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"usage: netsort gen [flags] <outputFile>"}
	}
	return distsort.GenerateFile(fs.Arg(0), distsort.GenOptions{
		Records: *records, Seed: *seed, Skew: *skew, DistinctKeys: *dup, FirstRow: *firstRow,
	})
}

// processCPU returns the user + system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
