package distsort

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"time"
)

// DialFunc opens a stream to a peer's address. Tests dial labrpc streams;
// the CLI dials TCP.
type DialFunc func(ctx context.Context, addr string) (net.Conn, error)

// Config configures one server of a distributed sort.
type Config struct {
	ID    int      // this server's index into Peers
	Peers []string // every server's address, indexed by server id
	// Listener accepts the peers' connections at Peers[ID]. Run closes it.
	// It may be nil when there is only one server.
	Listener net.Listener
	Dial     DialFunc // dials a peer address (required when len(Peers) > 1)

	Input  string // input file of records
	Output string // output file; written via a temporary file and rename

	Split      SplitMode // how keys are assigned to servers
	SampleSize int       // keys each server samples for SplitSample (default 1000, at most 26210)

	// Token is the run's shared secret (see ClusterToken): a server accepts
	// a peer's connection only if its hello proves knowledge of the same
	// token. Empty is allowed (every server must then leave it empty), as in
	// the tests, where the network is the test's own.
	Token []byte

	// MemoryBudget bounds the received records held in memory (default
	// 1 GiB); beyond it sorted runs are spilled to SpillDir (default: the
	// output's directory) and merged at the end.
	MemoryBudget int64
	SpillDir     string

	StartupTimeout time.Duration // window for all peers to come up (default 30s)
	// IOTimeout bounds the wait for the next frame from a peer and for one
	// write to complete (default 2m), so a stalled peer cannot hang us.
	IOTimeout time.Duration
	Workers   int  // parallelism of sorting and writing (default GOMAXPROCS)
	Sync      bool // fsync the output before renaming it into place
	// Trace, if set, is called as each phase starts ("connect", "exchange",
	// "sort", "commit") and at the end ("done"); the CLI uses it to account
	// CPU time per phase.
	Trace func(phase string)
	// Meter asks Run to fill Result.Phases. It is off by default because
	// measuring costs a little (the benchmark reports how much).
	Meter bool
}

// Result describes a finished sort on one server.
type Result struct {
	Read     int64 // records in this server's input
	Received int64 // records in this server's output
	Runs     int   // sorted runs spilled to disk (0: sorted in memory)
	// Counts holds the number of records every server received; Imbalance
	// is max(Counts)/mean(Counts).
	Counts    []int64
	Imbalance float64
	// Phase durations, for finding where time goes.
	Connect, Exchange, Sort, Commit time.Duration
	// Phases breaks the work down finer when Config.Meter is set; an
	// implementation may leave it zero.
	Phases Phases
}

// PhaseStat is the work of one kind a server did. The phases of the
// exchange run at once in several goroutines on shared cores, so their
// elapsed times overlap and include waiting: CPU is the CPU time the
// goroutines spent in the phase (user and system, summed over goroutines;
// wall time where the system offers no per-thread clock), Wall the
// elapsed time of a phase one goroutine does alone (fsync, rename), and
// Bytes what the phase moved.
type PhaseStat struct {
	CPU   time.Duration `json:"cpu"`
	Wall  time.Duration `json:"wall,omitempty"`
	Bytes int64         `json:"bytes"`
}

// Phases is one server's work by kind (see PhaseStat); `make bench-sort`
// prints it summed over the servers.
type Phases struct {
	Read      PhaseStat `json:"read"`      // reading the input
	Partition PhaseStat `json:"partition"` // routing records into per-server batches
	Send      PhaseStat `json:"send"`      // writing data frames to peers
	Receive   PhaseStat `json:"receive"`   // reading data frames, checking their key range
	Bin       PhaseStat `json:"bin"`       // filing kept records into the local sort's bins
	Sort      PhaseStat `json:"sort"`      // sorting the bins
	Write     PhaseStat `json:"write"`     // gathering sorted records, writing the output
	Spill     PhaseStat `json:"spill"`     // sorting and writing runs beyond the memory budget
	Merge     PhaseStat `json:"merge"`     // merging spilled runs into the output
	Fsync     PhaseStat `json:"fsync"`     // syncing the output (Config.Sync)
	Rename    PhaseStat `json:"rename"`    // renaming the output into place
}

func (c *Config) withDefaults() (Config, error) {
	cfg := *c
	n := len(cfg.Peers)
	switch {
	case n == 0:
		return cfg, errors.New("config: no servers")
	case cfg.ID < 0 || cfg.ID >= n:
		return cfg, fmt.Errorf("config: server id %d outside [0,%d)", cfg.ID, n)
	case n > 1 && (cfg.Listener == nil || cfg.Dial == nil):
		return cfg, errors.New("config: a listener and a dial function are needed with several servers")
	case cfg.Input == "" || cfg.Output == "":
		return cfg, errors.New("config: input and output paths are required")
	}
	if cfg.SampleSize <= 0 {
		cfg.SampleSize = 1000
	}
	if cfg.MemoryBudget <= 0 {
		cfg.MemoryBudget = 1 << 30
	}
	if cfg.SpillDir == "" {
		cfg.SpillDir = filepath.Dir(cfg.Output)
	}
	if cfg.StartupTimeout <= 0 {
		cfg.StartupTimeout = 30 * time.Second
	}
	if cfg.IOTimeout <= 0 {
		cfg.IOTimeout = 2 * time.Minute
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	return cfg, nil
}

// Run sorts this server's share of the data: it connects to all peers,
// exchanges records, sorts what it received and writes it to cfg.Output.
// Either every step succeeds and the output file appears complete, or Run
// returns an error and leaves no output file (nor temporary files) behind.
// Cancelling ctx aborts the run. Run closes cfg.Listener before returning.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	//solution:begin
	c, err := cfg.withDefaults()
	if err != nil {
		if cfg.Listener != nil {
			_ = cfg.Listener.Close()
		}
		return nil, fmt.Errorf("server %d: %w", cfg.ID, err)
	}
	res, err := run(ctx, &c)
	if err != nil {
		return nil, fmt.Errorf("server %d: %w", cfg.ID, err)
	}
	return res, nil
	//solution:stub
	// // Your code here: the mesh, the exchange, the local sort and the
	// // commit (see the package documentation). Until then Run releases its
	// // listener and fails.
	// if cfg.Listener != nil {
	// 	_ = cfg.Listener.Close()
	// }
	// if _, err := cfg.withDefaults(); err != nil {
	// 	return nil, err
	// }
	// return nil, errors.New("distsort: Run not implemented")
	//solution:end
}
