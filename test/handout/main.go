// Command handout writes the student handout of the repository: solution
// regions become their stubs, solution-only files are dropped, imports left
// unused are removed, and the result must pass `go build ./...` and
// `go vet ./...`.
//
//	go run ./test/handout -out DIR [-upto 2B] [-verify=false]
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
	upto := flag.String("upto", os.Getenv("UPTO"), "keep the reference code of parts before this one (UPTO)")
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
	fmt.Printf("handout: %s: %d region(s) stubbed in %d file(s), %d solution-only file(s) dropped",
		*out, st.Regions, st.Files, len(st.Dropped))
	if st.Kept > 0 {
		fmt.Printf(", %d region(s) before part %s kept", st.Kept, *upto)
	}
	fmt.Println()
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
