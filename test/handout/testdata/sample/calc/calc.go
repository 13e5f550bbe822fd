// Package calc is the handout generator's fixture: a tiny "lab" with marked
// solution regions.
package calc

import (
	"fmt"
	"strings"
)

// Sum adds xs.
func Sum(xs []int) int {
	//solution:begin 1A
	total := 0
	for _, x := range xs {
		total += x
	}
	return total
	//solution:stub
	// // Your code here (1A).
	// return 0
	//solution:end
}

// Shout formats s loudly.
func Shout(s string) string {
	//solution:begin 1B
	return strings.ToUpper(fmt.Sprint(s)) + "!"
	//solution:stub
	// return s
	//solution:end
}

//solution:begin

// helper has no stub: it disappears from the handout.
func helper() int { return len(secret) }

//solution:end
