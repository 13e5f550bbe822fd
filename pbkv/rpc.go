//solution:file B

package pbkv

import "distlabs/viewservice"

// opGet marks a forwarded Get, which the backup confirms without changing
// anything.
const opGet = "Get"

// ForwardArgs is one client operation the primary of view Viewnum (From)
// sends to its backup before answering.
type ForwardArgs struct {
	Viewnum  uint
	From     string
	Op       string // opGet, opPut or opAppend
	Key      string
	Value    string
	ClientID int64
	Seq      int64
}

// ForwardReply says whether the backup applied (or confirmed) the operation.
type ForwardReply struct {
	Err Err
}

// TransferArgs is the primary's complete state, sent to the backup that
// View names before the primary acknowledges View.
type TransferArgs struct {
	View  viewservice.View
	From  string
	Store map[string]string
	Seen  map[int64]int64
}

// TransferReply says whether the backup installed the state.
type TransferReply struct {
	Err Err
}
