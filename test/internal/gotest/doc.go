// Package gotest compiles Go test binaries and runs single tests in their own
// process group with a real-time limit, deciding the outcome from the exit
// status together with the testing package's own framed events
// (-test.v=test2json), never from free text printed by the code under test,
// and, when asked, from the harness's verdict line on a private pipe
// (verdict.go). A run can be bounded in memory and CPU time, and every
// process it started, including those that left its process group, is
// killed when it ends (procs_linux.go).
//
// The grader, the stress runner and the handout check share it so that the
// three tools agree on what "passed" means.
package gotest
