//solution:file

package surfstore_test

import (
	"bytes"
	"fmt"
	"testing"

	"distlabs/test/labtest"
)

// TestSyncWindowedTransfers: the reference uploads and downloads a window
// of blocks at a time, in parallel (sync.go, transferWindow). A file of
// many windows whose blocks repeat within a window and across windows
// (the first block again at the end) must arrive byte for byte, and each
// distinct block must be stored once. Reference-only: the course's client
// transfers one block at a time, which this test does not ask of it.
func TestSyncWindowedTransfers(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const blockSize = 16
		c := newCluster(t, 3)
		block := func(i int) []byte { return fmt.Appendf(nil, "block-%010d", i) }
		var order []int
		for i := range 40 {
			order = append(order, i)
			if i%7 == 0 {
				order = append(order, i, 0) // a repeat in the window, one from far back
			}
		}
		order = append(order, 39, 0)
		var data bytes.Buffer
		for _, i := range order {
			data.Write(block(i))
		}
		files := map[string][]byte{"many-windows": data.Bytes(), "one-block": block(3)}

		up := c.client(blockSize)
		for name, b := range files {
			write(t, up.BaseDir, name, b)
		}
		sync(t, up)
		if got := c.puts(); got != 40 {
			t.Fatalf("%d PutBlock calls for 40 distinct blocks; each should be stored once", got)
		}
		down := c.client(blockSize)
		sync(t, down)
		checkDir(t, down.BaseDir, files)
	})
}
