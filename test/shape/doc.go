// Package shape holds the test that keeps every lab in the one lab shape
// of CONTRIBUTING.md ("Lab shape"): the package doc in doc.go, and test
// files named by kind. Run it with go test ./test/shape.
package shape
