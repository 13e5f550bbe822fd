//solution:file 1B

package calc

// secret exists only in the reference.
const secret = "reference only"
