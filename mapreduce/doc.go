// Package mapreduce is a MapReduce framework in the style of Dean and
// Ghemawat's paper and the classic teaching lab: a Coordinator hands out one
// map task per input file and then nReduce reduce tasks to Workers that ask
// for work over RPC (labrpc, simulated in tests and real TCP in the CLI).
//
// Files live in one shared directory (the job's "file system"):
//
//	mr-X-Y    intermediate output of map task X for reduce partition Y
//	mr-out-Y  final output of reduce task Y, one "key value" line per key
//
// Every file is written under a temporary name and renamed into place, so a
// worker that crashes never leaves a partial file under a final name, and a
// task that runs twice (because its first worker stalled past the 10 s
// reassignment timeout) produces the same files either way.
//
// Applications are compiled in (package mapreduce/apps) instead of loaded as
// Go plugins, which are fragile across builds and unsupported on some
// platforms. An App reaches the worker's surroundings through an Env: the
// shared directory, a worker identity and a seeded random source, so the
// fault-injecting apps stay reproducible under a test seed.
package mapreduce
