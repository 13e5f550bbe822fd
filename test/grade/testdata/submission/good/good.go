// Package good is a student's submission of the fixture lab: it is wrong.
package good

// Answer is off by one.
func Answer() int { return 41 }
