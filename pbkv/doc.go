// Package pbkv is the primary/backup key/value service (part B): Get, Put
// and Append, replicated on two servers that the view service (package
// viewservice) names.
//
// Only the primary of the current view serves clients. It forwards every
// operation, Gets included, to the backup and answers only after the backup
// has applied it; the backup rejects forwards from anyone but the primary of
// its view. When the view names a new backup the primary first sends it the
// complete state (data and the duplicate table) and only then acknowledges
// the view, so the view service never promotes a backup that lacks data.
// A primary that is cut off from the view service and has been replaced
// cannot complete a forward (its old backup has moved on), so it fails the
// request instead of answering from stale data: the split-brain rule.
//
// A Clerk retries every request until a primary answers. A client id and a
// per-request sequence number make Put and Append at-most-once when replies
// are lost and requests resent.
//
// A server serves as primary only in a view it has acknowledged (its Ping
// with that view number got a reply), and a server that starts without
// state never takes the primary role of a view numbered above 1: it joins
// as an idle server and becomes backup. If every copy of the data is lost
// (primary and backup both crash) the service stops for good, by design.
package pbkv
