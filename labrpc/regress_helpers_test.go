package labrpc_test

import (
	"bytes"
	"testing"

	"distlabs/labrpc/labgob"
)

func encodeForReview(t *testing.T, v interface{}) []byte {
	var b bytes.Buffer
	if err := labgob.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
