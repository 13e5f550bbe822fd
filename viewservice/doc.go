// Package viewservice is the view service of the primary/backup lab (part
// A): a single, non-replicated server that decides which key/value server is
// primary and which is backup, and tells everyone through numbered views.
//
// Servers ping the view service every PingInterval with the number of the
// view they have seen; the answer is the current view. A server that misses
// DeadPings intervals in a row is dead. The service moves from view n to
// view n+1 only after the primary of view n has pinged with n (acknowledged
// it), so a primary always knows about, and has prepared, the view it
// serves in: the backup named by view n received the primary's state before
// the primary acknowledged n.
//
// The first server to ping becomes primary and the next one backup. When the
// primary dies its backup takes over and an idle server, if any, becomes the
// new backup; an idle server is never made primary (it has no data). A
// server that pings 0 after having pinged a real view number has restarted
// and lost its state: the view it held a role in treats it as dead.
//
// Servers are named by strings and reached through a makeEnd function, so
// tests on labrpc can crash, restart and partition any of them by name. The
// Clerk (Ping, Get, Primary) is what the key/value servers and clients use.
package viewservice
