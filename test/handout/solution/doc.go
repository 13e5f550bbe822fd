// Package solution turns the reference tree into a student handout by
// interpreting the solution markers (see CONTRIBUTING.md):
//
//	//solution:begin [PART]   start of a reference region
//	//solution:stub           optional; the comment lines that follow become code
//	//solution:end            end of the region
//	//solution:file [PART]    first line of a solution-only file (dropped)
//
// A region without a stub disappears. Imports that the removal leaves unused
// are deleted, the result is gofmt'd, and Verify checks that the handout
// builds and vets.
package solution
