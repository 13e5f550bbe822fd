//go:build !unix

package surfstore

// fdLimit is unknown here: Listen keeps MaxConnections.
func fdLimit() int { return 0 }
