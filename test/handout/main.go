// Command handout writes the student handout of the repository: only the
// files git tracks are copied, solution regions become their stubs,
// solution-only files are dropped (with the directories they leave empty),
// imports left unused are removed, and the result must pass `go build ./...`
// and `go vet ./...`.
//
//	go run ./test/handout -out DIR [-upto 2B] [-verify=false]
//
// -upto P keeps the reference code of the parts up to and including P (the
// parts the students have done) and stubs the later ones; P must be a part
// some marker carries (2A ... 2D, 3A, 3B), anything else is an error.
//
// make handout OUT=dir UPTO=2B runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"distlabs/test/handout/solution"
	"distlabs/test/internal/tree"
)

func main() {
	root, err := tree.ModuleRoot(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "handout:", err)
		os.Exit(2)
	}
	src := flag.String("src", root, "reference tree")
	out := flag.String("out", os.Getenv("OUT"), "output directory, must not exist or be empty (OUT)")
	upto := flag.String("upto", os.Getenv("UPTO"), "keep the reference code of the parts up to and including this one (UPTO; a lettered part names its lab, e.g. pbkv:B)")
	verify := flag.Bool("verify", true, "check that the handout builds and vets")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "handout: an output directory is required: make handout OUT=dir")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	st, err := solution.Generate(*src, *out, solution.Options{UpTo: *upto})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("handout: %s: %d region(s) stubbed in %d file(s), %d solution-only file(s) dropped, %d file(s) excluded by %s",
		*out, st.Regions, st.Files, len(st.Dropped), len(st.Excluded), solution.ExcludeFile)
	if *upto != "" {
		fmt.Printf(", %d region(s) and file(s) of parts through %s kept", st.Kept, *upto)
	}
	fmt.Println()
	if st.Untracked {
		fmt.Println("handout: note: the source is not a git work tree, so every file was copied, not only the tracked ones")
	}
	if left, err := solution.FindMarkers(*out); err != nil || len(left) > 0 {
		fmt.Fprintf(os.Stderr, "handout: marker lines left in the output: %v %v\n", left, err)
		os.Exit(1)
	}
	if *verify {
		if err := solution.Verify(ctx, *out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("handout: go build ./... and go vet ./... pass")
	}
}
