// Command benchmr compares a MapReduce job run sequentially with the same
// job run by a coordinator and worker processes over TCP loopback, on about
// 100 MB of text built by repeating the corpus's books (make bench-mr).
//
//	go run ./mapreduce/cmd/benchmr [-mb 100] [-files 32] [-workers 2] [-nreduce 10] [-app wc] [-rounds 1]
//
// Both runs use the same mr binary, the same app code (wc's combiner
// included) and the same input files (already in the page cache); each time
// covers process start to the output being complete. The outputs are
// compared, and the ratio sequential/distributed is printed (the target with
// 2 workers on 2 cores is at least 1.5), along with the CPU-time ratio, which
// does not depend on what else the machine is running.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "benchmr: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	corpus := flag.String("corpus", defaultCorpus, "`DIR` of .txt files to repeat into the input")
	mb := flag.Int("mb", 100, "input size in `MB`")
	nFiles := flag.Int("files", 32, "number of input files (map tasks)")
	workers := flag.Int("workers", 2, "number of worker processes")
	nReduce := flag.Int("nreduce", 10, "number of reduce tasks")
	app := flag.String("app", "wc", "application to run")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	rounds := flag.Int("rounds", 1, "repeat both runs this many times and keep each one's best time")
	combine := flag.Bool("combine", true, "use the app's combiner (wc has one), in the workers and in the sequential run alike")
	flag.Parse()

	tmp, err := os.MkdirTemp("", "benchmr-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Printf("directory: %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bin := filepath.Join(tmp, "mr")
	if out, err := exec.Command("go", "build", "-o", bin, "distlabs/mapreduce/cmd/mr").CombinedOutput(); err != nil {
		return fmt.Errorf("go build mapreduce/cmd/mr: %v\n%s", err, out)
	}
	files, total, err := makeInput(*corpus, filepath.Join(tmp, "input"), int64(*mb)<<20, *nFiles)
	if err != nil {
		return err
	}
	fmt.Printf("input: %d files, %.1f MB (from %s); app %s; %d reduce tasks; %d CPUs\n",
		len(files), float64(total)/(1<<20), *corpus, *app, *nReduce, runtime.NumCPU())

	best := roundResult{}
	for r := range *rounds {
		res, err := runRound(bin, tmp, files, total, *app, *workers, *nReduce, *combine)
		if err != nil {
			return err
		}
		if r == 0 || res.seq < best.seq {
			best.seq, best.seqCPU = res.seq, res.seqCPU
		}
		if r == 0 || res.par < best.par {
			best.par, best.parCPU = res.par, res.parCPU
		}
	}
	if *rounds > 1 {
		fmt.Printf("best of %d rounds: sequential %.2f s, distributed %.2f s\n", *rounds, best.seq.Seconds(), best.par.Seconds())
	}
	fmt.Printf("ratio sequential/distributed = %.2fx\n", best.seq.Seconds()/best.par.Seconds())
	// On a shared machine wall times depend on everyone else's load; CPU
	// times do not. This is the speedup on idle cores with perfect balance.
	cores := min(*workers, runtime.NumCPU())
	fmt.Printf("cpu-time ratio: sequential cpu / (distributed cpu / %d) = %.2fx\n",
		cores, best.seqCPU.Seconds()/(best.parCPU.Seconds()/float64(cores)))
	return nil
}

// roundResult is one round's wall and CPU times (parCPU sums every
// process of the distributed run).
type roundResult struct {
	seq, seqCPU, par, parCPU time.Duration
}

// runRound runs the job sequentially, then distributed, checks that the
// outputs agree and prints the times.
func runRound(bin, tmp string, files []string, total int64, app string, workers, nReduce int, combine bool) (roundResult, error) {
	var res roundResult
	seqDir, parDir := filepath.Join(tmp, "seq"), filepath.Join(tmp, "par")
	for _, d := range []string{seqDir, parDir} {
		if err := os.RemoveAll(d); err != nil {
			return res, err
		}
	}
	var err error
	res.seq, res.seqCPU, err = timeSequential(bin, seqDir, app, files, combine)
	if err != nil {
		return res, err
	}
	fmt.Printf("sequential:            %8.2f s  %6.1f MB/s  (cpu %.2f s)\n", res.seq.Seconds(), mbps(total, res.seq), res.seqCPU.Seconds())

	var parCPU []time.Duration
	res.par, parCPU, err = timeDistributed(bin, parDir, app, files, workers, nReduce, combine)
	if err != nil {
		return res, err
	}
	var each []string
	for _, c := range parCPU {
		res.parCPU += c
		each = append(each, fmt.Sprintf("%.2f", c.Seconds()))
	}
	fmt.Printf("coordinator+%d workers: %8.2f s  %6.1f MB/s  (cpu %s s: coordinator, workers)\n",
		workers, res.par.Seconds(), mbps(total, res.par), strings.Join(each, " + "))
	if err := sameOutput(seqDir, parDir); err != nil {
		return res, err
	}
	fmt.Println("outputs identical")
	return res, nil
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / (1 << 20) / d.Seconds() }

// defaultCorpus is the text committed with the repository, relative to the
// module root, where make bench-mr runs the command.
const defaultCorpus = "mapreduce/testdata/corpus"

// makeInput writes nFiles files of about size/nFiles bytes each, every one
// the corpus's books concatenated and repeated, cut at a line end.
func makeInput(corpus, dir string, size int64, nFiles int) ([]string, int64, error) {
	books, err := filepath.Glob(filepath.Join(corpus, "*.txt"))
	if err != nil || len(books) == 0 {
		return nil, 0, fmt.Errorf("no .txt files in %s", corpus)
	}
	var blob bytes.Buffer
	for _, b := range books {
		data, err := os.ReadFile(b)
		if err != nil {
			return nil, 0, err
		}
		blob.Write(data)
		blob.WriteByte('\n')
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	per := size / int64(nFiles)
	var files []string
	var total int64
	for i := range nFiles {
		name := filepath.Join(dir, fmt.Sprintf("in-%03d.txt", i))
		f, err := os.Create(name)
		if err != nil {
			return nil, 0, err
		}
		w := bufio.NewWriter(f)
		var n int64
		for n < per {
			chunk := blob.Bytes()
			if rest := per - n; rest < int64(len(chunk)) {
				// Cut after a newline so no word is split in two.
				end := bytes.IndexByte(chunk[rest:], '\n')
				if end >= 0 {
					chunk = chunk[:rest+int64(end)+1]
				}
			}
			m, err := w.Write(chunk)
			if err != nil {
				f.Close()
				return nil, 0, err
			}
			n += int64(m)
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return nil, 0, err
		}
		if err := f.Close(); err != nil {
			return nil, 0, err
		}
		files = append(files, name)
		total += n
	}
	return files, total, nil
}

// cpuTime is the user+system time of an exited process.
func cpuTime(c *exec.Cmd) time.Duration {
	return c.ProcessState.UserTime() + c.ProcessState.SystemTime()
}

// timeSequential runs mr sequential and returns its wall and CPU time.
func timeSequential(bin, dir, app string, files []string, combine bool) (time.Duration, time.Duration, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	cmd := exec.Command(bin, append([]string{"sequential", "-app", app, fmt.Sprintf("-combine=%v", combine)}, files...)...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("mr sequential: %w", err)
	}
	return time.Since(start), cpuTime(cmd), nil
}

// timeDistributed runs a coordinator and workers and returns the time from
// starting the coordinator to its "job done" line, and the CPU time of the
// coordinator and of each worker.
func timeDistributed(bin, dir, app string, files []string, workers, nReduce int, combine bool) (time.Duration, []time.Duration, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	coord := exec.CommandContext(ctx, bin, append([]string{"coordinator", "-addr", "127.0.0.1:0",
		"-nreduce", fmt.Sprint(nReduce)}, files...)...)
	coord.Dir = dir
	coord.Stderr = os.Stderr
	stdout, err := coord.StdoutPipe()
	if err != nil {
		return 0, nil, err
	}
	if err := coord.Start(); err != nil {
		return 0, nil, fmt.Errorf("start coordinator: %w", err)
	}
	reaped := false
	defer func() {
		if !reaped {
			cancel()
			coord.Wait() // killed on an error path; its exit status says nothing new
		}
	}()
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		return 0, nil, fmt.Errorf("coordinator said %q (%v), want \"listening on ADDR\"", line, err)
	}
	var ws []*exec.Cmd
	for range workers {
		w := exec.CommandContext(ctx, bin, "worker", "-app", app, "-poll", "10ms",
			fmt.Sprintf("-combine=%v", combine), addr)
		w.Dir = dir
		w.Stderr = os.Stderr
		if err := w.Start(); err != nil {
			return 0, nil, fmt.Errorf("start worker: %w", err)
		}
		ws = append(ws, w)
	}
	var elapsed time.Duration
	for {
		line, err := out.ReadString('\n')
		if strings.HasPrefix(line, "job done") {
			elapsed = time.Since(start)
			break
		}
		if err != nil {
			return 0, nil, fmt.Errorf("coordinator ended without finishing the job: %w", err)
		}
	}
	if _, err := io.Copy(io.Discard, out); err != nil {
		return 0, nil, err
	}
	reaped = true
	if err := coord.Wait(); err != nil {
		return 0, nil, fmt.Errorf("coordinator: %w", err)
	}
	cpu := []time.Duration{cpuTime(coord)}
	for _, w := range ws {
		var exit *exec.ExitError
		if err := w.Wait(); err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 4) {
			return 0, nil, fmt.Errorf("worker: %w", err)
		}
		cpu = append(cpu, cpuTime(w))
	}
	return elapsed, cpu, nil
}

// sameOutput compares the sorted lines of the two runs' mr-out-* files.
func sameOutput(seqDir, parDir string) error {
	a, err := sortedLines(seqDir)
	if err != nil {
		return err
	}
	b, err := sortedLines(parDir)
	if err != nil {
		return err
	}
	if !slices.Equal(a, b) {
		return fmt.Errorf("outputs differ: sequential %d lines, distributed %d lines", len(a), len(b))
	}
	return nil
}

func sortedLines(dir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "mr-out-*"))
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" {
				lines = append(lines, l)
			}
		}
	}
	slices.Sort(lines)
	return lines, nil
}
