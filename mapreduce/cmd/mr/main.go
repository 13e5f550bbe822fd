// Command mr runs MapReduce jobs over real TCP: a coordinator process, any
// number of worker processes sharing one directory (the job's file system),
// and a sequential reference.
//
//	mr coordinator -addr HOST:PORT -nreduce N FILES...
//	mr worker -app NAME HOST:PORT
//	mr sequential -app NAME FILES...
//
// Exit codes: 0 success; 1 runtime error; 2 usage error; 3 a worker's app
// crashed it (app "crash"); 4 a worker lost its coordinator before being
// told the job was done.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"distlabs/mapreduce/apps"
)

// Exit codes, documented in the package comment and in -h.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitCrashed     = 3
	exitCoordinator = 4
)

const usageText = `usage: mr <command> [flags] [args]

Commands:
  coordinator -addr HOST:PORT -nreduce N FILES...
        hand out one map task per FILE and N reduce tasks; exit when done
  worker -app NAME HOST:PORT
        run tasks for the coordinator at HOST:PORT in the current directory
        (the job's shared directory); exit when told the job is done
  sequential -app NAME FILES...
        run the app in one process and write mr-out-0 (the reference)

Run "mr <command> -h" for a command's flags.
Apps: %s

Exit codes: 0 ok; 1 error; 2 usage; 3 worker crashed by its app;
4 worker lost its coordinator.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "coordinator":
		return runCoordinator(args[1:], stdout, stderr)
	case "worker":
		return runWorker(args[1:], stdout, stderr)
	case "sequential":
		return runSequential(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "mr: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, usageText, strings.Join(apps.Names(), ", "))
}
