// Package gotest compiles Go test binaries and runs single tests in their own
// process group with a real-time limit, deciding the outcome from the exit
// status together with the testing package's own framed events
// (-test.v=test2json), never from free text printed by the code under test.
//
// The grader, the stress runner and the handout check share it so that the
// three tools agree on what "passed" means.
package gotest
