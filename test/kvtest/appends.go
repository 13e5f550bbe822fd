package kvtest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
)

// AppendValue is the string client cli appends on its j-th Append. The
// braces delimit it, so no value is a substring of another or of two
// neighbours joined.
func AppendValue(cli, j int) string { return fmt.Sprintf("{c%d.n%d}", cli, j) }

// CheckClientAppends checks that v holds each of the first count appends
// of client cli (AppendValue) exactly once, in the order the client made
// them.
func CheckClientAppends(cli int, v string, count int) error {
	prev := -1 // where the client's previous append sits in v
	for j := range count {
		piece := AppendValue(cli, j)
		at := strings.Index(v, piece)
		switch {
		case at < 0:
			return fmt.Errorf("client %d: append #%d (%q) was acknowledged but is not in the value %q", cli, j, piece, Abbrev(v))
		case at != strings.LastIndex(v, piece):
			return fmt.Errorf("client %d: append #%d (%q) was applied more than once", cli, j, piece)
		case at <= prev:
			return fmt.Errorf("client %d: append #%d (%q) sits before the client's earlier append #%d", cli, j, piece, j-1)
		}
		prev = at
	}
	return nil
}

// Abbrev shortens long values in failure messages.
func Abbrev(s string) string {
	if len(s) > 200 {
		return s[:100] + " ... " + s[len(s)-100:]
	}
	return s
}

// ClientRand returns client cli's random source, derived from the test's
// seed, so that each client's choices do not depend on how the clients'
// goroutines interleave.
func ClientRand(seed int64, cli int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(cli)+1))
}

// Clients starts n clients; client cli calls step(cli, i) for i = 0, 1,
// ... until step returns false or stop is called. stop waits for every
// client to return.
func Clients(n int, step func(cli, i int) bool) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for cli := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if !step(cli, i) {
					return
				}
			}
		}()
	}
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		wg.Wait()
	}
}
