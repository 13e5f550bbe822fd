// Package grpc stands in for google.golang.org/grpc in course code ported
// into the kit, so that code which dials its peers with grpc.Dial(address)
// and serves with grpc.NewServer() runs over a labrpc network in virtual
// time after one import change:
//
//	import grpc "distlabs/test/port/grpc"
//
// Its types are grpc's own (aliases), so generated code and the real grpc
// package mix with it freely. Dial makes a client connection whose streams
// come from distlabs/test/port/net (the standard library's dialer
// until a test calls coursenet.Use), and NewServer adds the server
// options a test installed with Use (an interceptor that counts calls).
//
// Dial is grpc.NewClient with the passthrough resolver, as grpc.Dial was:
// it connects at the first call, not before, so the deprecated options of
// the course's era that only matter to a blocking dial (WithBlock,
// FailOnNonTempDialError, WithTimeout) are accepted and do nothing.
package grpc
