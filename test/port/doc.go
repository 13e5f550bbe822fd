// Command port turns a student tree written for the MIT 6.824 skeletons of
// 2015 (viewservice, pbservice, paxos, kvpaxos, shardmaster, shardkv) or
// 2022 (raft, kvraft, shardctrler, shardkv) into a partial upload that
// `make grade SUBMISSION=dir` grades: each package lands in this kit's
// directory for it, its imports name this module, and the 2015 transport
// (net/rpc over Unix sockets, in code the 2015 handout told students not to
// change) becomes labrpc's, as the labs' READMEs tell a TA to do by hand
// ("Porting 2015 student code", "Porting course code").
//
// Usage:
//
//	go run ./test/port -src DIR [-dst DIR] [-v]
//	make port SRC=DIR [DST=DIR]
//
// The rewrites work on the syntax tree (go/parser), never on text patterns,
// and write their result through gofmt. What cannot be rewritten safely is
// left as written and listed as "by hand: file:line: what to do", with the
// line in the student's source.
//
// Exit status: 0 the tree was ported and nothing is left to do by hand; 1
// it was ported but some steps are listed for a human; 2 the command line
// was wrong, the source is not a 6.824 tree, or a file could not be read,
// parsed or written.
//
// The directories below hold the kit for Brown CS 138 code, which needs
// no rewriting, only import changes: rpc, cs138, net and grpc stand in for
// net/rpc, the course's listener package, net and google.golang.org/grpc
// over labrpc in virtual time; uuid, memset and msgpack stand in for three
// libraries CS 138 PuddleStore code uses that this module does not
// require; and chord, tapestry and puddlestore each hold the port script
// and the adapter (testdata/adapter.go, the file that takes the place of
// the lab's kit.go) for that lab's course code.
package main
