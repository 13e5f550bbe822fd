// Package memset stands in for github.com/tmthrgd/go-memset in course code
// ported into the kit (PuddleStore zeroes its buffers with
// memset.Memset), so that the code builds in this module, which does not
// require that library, after one import change:
//
//	import "distlabs/test/port/memset"
package memset
