// Package mutants holds the mutant patches that run.sh applies to the
// reference to measure the graded suites (see README.md); it has no code.
// Its test checks that every patch still applies cleanly to the reference,
// so a change to a lab cannot silently retire its mutants.
package mutants
