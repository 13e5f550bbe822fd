//solution:file 4A

package shardctrler

import (
	"bytes"
	"fmt"

	"distlabs/labrpc/labgob"
)

// encodeState returns the gob encoding of st.
func encodeState(st ctrlerState) []byte {
	var buf bytes.Buffer
	if err := labgob.NewEncoder(&buf).Encode(st); err != nil {
		// Configurations and integers always encode.
		panic(fmt.Sprintf("shardctrler: encode snapshot: %v", err))
	}
	return buf.Bytes()
}

// decodeState decodes what encodeState wrote.
func decodeState(data []byte) ctrlerState {
	var st ctrlerState
	if err := labgob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		// Only encodeState writes snapshots: a bad one is a bug.
		panic(fmt.Sprintf("shardctrler: decode snapshot (%d bytes): %v", len(data), err))
	}
	return st
}
