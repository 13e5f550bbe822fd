// Package uuid stands in for github.com/google/uuid in course code ported
// into the kit (PuddleStore names its clients and blocks with uuid.New()),
// so that the code builds in this module, which does not require that
// library, after one import change:
//
//	import uuid "distlabs/test/port/uuid"
//
// Its UUIDs are random version-4 UUIDs as the library's, but drawn from a
// seeded source instead of crypto/rand, so that a test's seed replays the
// names a ported program picks (Seed). Only New and String are here.
package uuid
