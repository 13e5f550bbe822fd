// Package net stands in for the standard library's net in course code
// ported into the kit, so that code which listens and dials with
// net.Listen("tcp", ...) and net.Dial reaches a labrpc network in virtual
// time after one import change:
//
//	import net "distlabs/test/port/net"
//
// Until a test calls Use, every function is the standard library's, so the
// same code still runs over TCP. Under Use, Listen opens a stream listener
// on the host the test names for the next node, and Dial reaches the
// listener by its port alone: course code writes its own address as
// os.Hostname() and the port it got, and labrpc gives every listener of a
// network its own port, so the port names the node. Dials come from one
// host (DialHost) shared by all ported nodes, since course code keeps one
// package-level connection cache for every node of the process.
//
// Only the names course code uses are here (Listen, Dial, DialTimeout,
// SplitHostPort, JoinHostPort and the interface types); a port that needs
// another adds it as an alias of the standard one.
package net
